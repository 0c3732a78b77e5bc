package io.stedi.lakehouse.wal;

/**
 * One durable record of the write-ahead log.
 *
 * @param lsn its log sequence number: dense and increasing across segments and restarts
 * @param payload the bytes that were appended
 */
public record WalRecord(long lsn, byte[] payload) {}
