package io.stedi.lakehouse.erasure;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds identities in the free text of a quarantine row (its origin, message and rejected payload), which is often
 * not valid JSON: cut at {@code quarantine.max-payload-bytes}, malformed, or spelling characters as JSON escapes
 * ({@code carol\u0040test.com}). Every search runs over the text with its escapes decoded and normalised the way
 * identities are ({@link IdentityKind#normalize}), so the gateway's hash lookups and {@code forget}'s search agree.
 */
public final class QuarantineText {
  private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>,;:()\\[\\]{}\\\\]+@[^\\s\"'<>,;:()\\[\\]{}\\\\]+");
  private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.){1,320})\"");
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._:@+-]{4,320}");
  /** The shortest cut-off identity at the end of a truncated text that still counts as the identity. */
  static final int MIN_TAIL = 6;

  private QuarantineText() {}

  /** The text with JSON string escapes decoded (lenient: a broken escape stays as it is), lower-cased. */
  public static String decoded(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        char n = text.charAt(i + 1);
        if (n == 'u' && i + 5 < text.length() && isHex(text, i + 2)) {
          b.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
          i += 5;
          continue;
        }
        char e = switch (n) {
          case '"', '\\', '/' -> n;
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          case 'b' -> '\b';
          case 'f' -> '\f';
          default -> 0;
        };
        if (e != 0) {
          b.append(e);
          i++;
          continue;
        }
      }
      b.append(c);
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }

  private static boolean isHex(String s, int from) {
    for (int i = from; i < from + 4; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the text names one of {@code needles} (normalised identities): anywhere in its decoded form, or cut off
   * at its end by truncation (at least {@value #MIN_TAIL} characters of the identity's start).
   */
  public static boolean mentions(String text, Collection<String> needles) {
    if (text == null || text.isEmpty() || needles.isEmpty()) {
      return false;
    }
    String d = decoded(text);
    for (String n : needles) {
      if (n.isEmpty()) {
        continue;
      }
      if (d.contains(n)) {
        return true;
      }
      for (int len = Math.min(n.length() - 1, d.length()); len >= MIN_TAIL; len--) {
        if (d.endsWith(n.substring(0, len))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The strings of the text that may be an identity, normalised: email-shaped words, JSON string values and
   * serial-shaped words, of the decoded text. The gateway hashes each to look it up among forgotten identities.
   */
  public static Set<String> candidates(String text) {
    Set<String> out = new LinkedHashSet<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    String d = decoded(text);
    for (Pattern p : new Pattern[] {EMAIL, WORD}) {
      Matcher m = p.matcher(d);
      while (m.find()) {
        out.add(IdentityKind.normalize(m.group()));
      }
    }
    Matcher s = STRING.matcher(d);
    while (s.find()) {
      out.add(IdentityKind.normalize(s.group(1)));
    }
    out.removeIf(c -> c.length() < 3); // no identity is that short; it would only cost hash lookups
    return out;
  }
}
