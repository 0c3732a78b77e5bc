package io.stedi.lakehouse.curation.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL text into statements at every {@code ;} that is not inside a string ({@code '...'}, {@code "..."}),
 * a quoted identifier ({@code `...`}), a {@code --} line comment or a {@code /* *}{@code /} block comment.
 */
final class SqlScript {
  /** The complete statements of a text, and what follows the last {@code ;} (an unfinished statement). */
  record Split(List<String> statements, String rest) {
    /** Whether the text ends inside a statement that has no {@code ;} yet. */
    boolean incomplete() {
      return !isBlank(rest);
    }
  }

  private SqlScript() {}

  static Split split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    boolean lineComment = false;
    boolean blockComment = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
      if (lineComment) {
        lineComment = c != '\n';
        cur.append(c);
      } else if (blockComment) {
        cur.append(c);
        if (c == '*' && next == '/') {
          cur.append(next);
          i++;
          blockComment = false;
        }
      } else if (quote != 0) {
        cur.append(c);
        if (c == '\\' && quote != '`' && next != 0) {
          cur.append(next); // Spark SQL strings take backslash escapes
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == ';') {
        if (!isBlank(cur.toString())) {
          out.add(cur.toString().strip());
        }
        cur.setLength(0);
      } else {
        if (c == '\'' || c == '"' || c == '`') {
          quote = c;
        } else if (c == '-' && next == '-') {
          lineComment = true;
        } else if (c == '/' && next == '*') {
          blockComment = true;
        }
        cur.append(c);
      }
    }
    return new Split(out, cur.toString());
  }

  /** Blank, or only comments. */
  static boolean isBlank(String s) {
    String t = s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("--[^\\n]*", " ");
    return t.isBlank();
  }
}
