package io.stedi.lakehouse.load;

/** Receives progress of a long load (about once a second). */
@FunctionalInterface
public interface LoadProgress {
  LoadProgress NONE = (file, bytesDone, bytesTotal, rows, rejected) -> {};

  void update(String file, long bytesDone, long bytesTotal, long rows, long rejected);
}
