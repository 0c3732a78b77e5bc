package io.stedi.lakehouse.gateway.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The credentials file itself: reading it when it changed, and locked, fsynced, atomic edits (the CLI and every
 * gateway on a host share it). {@link CredentialStore} keeps what it holds in memory and decides what to change.
 */
final class CredentialFile {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path file;
  private volatile String loadedVersion;

  CredentialFile(Path file) {
    this.file = file;
  }

  Path path() {
    return file;
  }

  /** The contents if the file changed since the last read (or edit), else null; null too while it does not exist. */
  synchronized CredentialStore.Contents readIfChanged() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    // mtime alone can miss two edits within one timestamp tick; every edit replaces the file (new inode)
    var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    String version = attrs.lastModifiedTime() + "/" + attrs.fileKey() + "/" + attrs.size();
    if (version.equals(loadedVersion)) {
      return null;
    }
    CredentialStore.Contents c = read();
    loadedVersion = version;
    return c;
  }

  /** Applies {@code change} to the current contents under the file lock and writes the result; returns it. */
  CredentialStore.Contents edit(Consumer<CredentialStore.Contents> change) {
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel lockChannel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockChannel.lock()) {
        CredentialStore.Contents c = Files.exists(file) ? read() : CredentialStore.Contents.empty();
        change.accept(c);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), c);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        loadedVersion = null; // our own edit: the next check re-reads it (cheap)
        return c;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot update credentials file " + file + ": " + e.getMessage(), e);
    }
  }

  private CredentialStore.Contents read() throws IOException {
    CredentialStore.Contents c = JSON.readValue(file.toFile(), CredentialStore.Contents.class);
    return new CredentialStore.Contents(c.devices() == null ? new TreeMap<>() : new TreeMap<>(c.devices()),
        c.tokens() == null ? new TreeMap<>() : new TreeMap<>(c.tokens()));
  }
}
