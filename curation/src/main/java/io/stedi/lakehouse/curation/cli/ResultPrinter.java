package io.stedi.lakehouse.curation.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;

/**
 * Writes a query result in one of the {@code stedi sql} formats. Values are rendered by Spark itself
 * (a cast to string for csv and table, {@code to_json} for json), so timestamps appear in the session time
 * zone (UTC) and nested values the way Spark SQL shows them.
 */
final class ResultPrinter {
  /** Output formats of {@code stedi sql}. */
  enum Format {
    TABLE,
    CSV,
    JSON
  }

  private static final String NULL_IN_TABLE = "NULL";

  private ResultPrinter() {}

  /**
   * Prints the result and returns the number of rows. csv and json stream the rows to the driver one
   * partition at a time; table collects them to compute column widths.
   */
  static long print(Dataset<Row> result, Format format, PrintWriter out) {
    switch (format) {
      case CSV:
        return csv(result, out);
      case JSON:
        return json(result, out);
      default:
        return table(result, out);
    }
  }

  private static long csv(Dataset<Row> result, PrintWriter out) {
    StructField[] fields = result.schema().fields();
    if (fields.length == 0) {
      return 0;
    }
    Iterator<Row> it = asStrings(result).toLocalIterator();
    it.hasNext(); // runs the first job before anything is printed, so that most failures print nothing
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      line.append(i == 0 ? "" : ",").append(csvField(fields[i].name()));
    }
    out.print(line.append('\n'));
    long n = 0;
    for (; it.hasNext(); n++) {
      Row r = it.next();
      line.setLength(0);
      for (int i = 0; i < fields.length; i++) {
        line.append(i == 0 ? "" : ",").append(r.isNullAt(i) ? "" : csvField(r.getString(i)));
      }
      out.print(line.append('\n'));
    }
    return n;
  }

  /**
   * One RFC 4180 field: quoted (with quotes doubled) when it holds a comma, quote, CR or LF. The empty
   * string is written as {@code ""} so that it differs from null, which is an empty field.
   */
  static String csvField(String v) {
    if (v.isEmpty()) {
      return "\"\"";
    }
    boolean quote = false;
    for (int i = 0; i < v.length() && !quote; i++) {
      char c = v.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
  }

  private static long json(Dataset<Row> result, PrintWriter out) {
    if (result.schema().fields().length == 0) {
      return 0;
    }
    Column object = functions.to_json(functions.struct(functions.col("*")), Map.of("ignoreNullFields", "false"));
    long n = 0;
    for (Iterator<Row> it = result.select(object).toLocalIterator(); it.hasNext(); n++) {
      out.print(it.next().getString(0));
      out.print('\n');
    }
    return n;
  }

  private static long table(Dataset<Row> result, PrintWriter out) {
    StructField[] fields = result.schema().fields();
    int cols = fields.length;
    List<String[]> rows = new ArrayList<>();
    if (cols > 0) {
      for (Row r : asStrings(result).collectAsList()) {
        String[] cells = new String[cols];
        for (int i = 0; i < cols; i++) {
          cells[i] = r.isNullAt(i) ? NULL_IN_TABLE : escapeControls(r.getString(i));
        }
        rows.add(cells);
      }
      int[] width = new int[cols];
      boolean[] right = new boolean[cols];
      String[] header = new String[cols];
      for (int i = 0; i < cols; i++) {
        header[i] = escapeControls(fields[i].name());
        width[i] = length(header[i]);
        right[i] = isNumeric(fields[i].dataType());
      }
      for (String[] cells : rows) {
        for (int i = 0; i < cols; i++) {
          width[i] = Math.max(width[i], length(cells[i]));
        }
      }
      out.print(tableLine(header, width, right));
      StringBuilder rule = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        rule.append(i == 0 ? "" : "+").append("-".repeat(width[i] + 2));
      }
      out.print(rule.append('\n'));
      for (String[] cells : rows) {
        out.print(tableLine(cells, width, right));
      }
    }
    out.print("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)") + "\n");
    return rows.size();
  }

  private static String tableLine(String[] cells, int[] width, boolean[] right) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String pad = " ".repeat(width[i] - length(cells[i]));
      b.append(i == 0 ? " " : " | ").append(right[i] ? pad + cells[i] : cells[i] + pad);
    }
    return b.toString().stripTrailing() + "\n";
  }

  private static boolean isNumeric(DataType t) {
    return t instanceof NumericType;
  }

  private static int length(String s) {
    return s.codePointCount(0, s.length());
  }

  /** Keeps one table row on one line: line breaks and tabs are shown as \n, \r, \t. */
  private static String escapeControls(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
  }

  /** The same rows with every column cast to string by Spark; positions kept, duplicate names allowed. */
  private static Dataset<Row> asStrings(Dataset<Row> result) {
    int cols = result.schema().fields().length;
    String[] names = new String[cols];
    Column[] cast = new Column[cols];
    for (int i = 0; i < cols; i++) {
      names[i] = "_c" + i;
      cast[i] = functions.col(names[i]).cast("string");
    }
    return result.toDF(names).select(cast);
  }
}
