package io.stedi.lakehouse.parse;

import io.stedi.lakehouse.error.ErrorCode;

/**
 * Why one input record was refused.
 *
 * @param code the stable reason code
 * @param field the offending field, or null when the record as a whole is bad
 * @param message a precise, human-readable explanation
 */
public record Rejection(ErrorCode code, String field, String message) {}
