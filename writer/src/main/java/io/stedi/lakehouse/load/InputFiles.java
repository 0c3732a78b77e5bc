package io.stedi.lakehouse.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;

/** Expands the load command's arguments (file, folder, glob or s3:// prefix) into a sorted list of files. */
final class InputFiles {
  private InputFiles() {}

  /** One input: a location readable through Iceberg FileIO (local paths are absolute file paths). */
  record Input(String location, long length) {}

  static List<Input> expand(List<String> args, FileIO s3) {
    List<Input> out = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("s3://") || a.startsWith("s3a://")) {
        out.addAll(listS3(a, s3));
      } else if (a.contains("*") || a.contains("?") || a.contains("[")) {
        out.addAll(glob(a));
      } else {
        Path p = Path.of(a).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
          out.addAll(folder(p));
        } else if (Files.isRegularFile(p)) {
          out.add(local(p));
        } else {
          throw new IllegalArgumentException("no such file or folder: " + a);
        }
      }
    }
    return out;
  }

  private static List<Input> listS3(String prefix, FileIO io) {
    if (io == null) {
      throw new IllegalArgumentException("cannot read " + prefix + ": S3 is not configured");
    }
    if (!(io instanceof SupportsPrefixOperations)) {
      throw new IllegalArgumentException("cannot list " + prefix + " with " + io.getClass().getSimpleName());
    }
    List<Input> out = new ArrayList<>();
    for (FileInfo f : ((SupportsPrefixOperations) io).listPrefix(prefix)) {
      String name = f.location().substring(f.location().lastIndexOf('/') + 1);
      if (!name.isEmpty() && !name.startsWith(".") && !name.startsWith("_")) {
        out.add(new Input(f.location(), f.size()));
      }
    }
    out.sort((x, y) -> x.location().compareTo(y.location()));
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no files under " + prefix);
    }
    return out;
  }

  private static List<Input> glob(String pattern) {
    Path abs = Path.of(pattern.replaceAll("[*?\\[].*$", "x")).toAbsolutePath().getParent();
    Path base = abs;
    String rel = Path.of(pattern).isAbsolute() ? pattern : Path.of("").toAbsolutePath().resolve(pattern).toString();
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rel);
    List<Input> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(base)) {
      s.filter(Files::isRegularFile).filter(m::matches).sorted().forEach(p -> out.add(local(p)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + base + ": " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no files match " + pattern);
    }
    return out;
  }

  private static List<Input> folder(Path dir) {
    List<Input> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted().forEach(p -> out.add(local(p)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static Input local(Path p) {
    try {
      return new Input(p.toString(), Files.size(p));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }
}
