package io.stedi.lakehouse.curation.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Many statements on one warm SparkSession: a script ({@code ;}-separated, from a file or standard input) or an
 * interactive prompt with line editing, history and multi-line statements (a statement ends at its {@code ;}).
 */
final class SqlSession {
  private final SparkSession spark;
  private final ResultPrinter.Format format;
  private final PrintWriter out;
  private final PrintWriter err;

  SqlSession(SparkSession spark, ResultPrinter.Format format, PrintWriter out, PrintWriter err) {
    this.spark = spark;
    this.format = format;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs every statement of {@code text} in order (a last one without {@code ;} too); stops at the first that fails.
   *
   * @return 0, or 1 when a statement failed
   */
  int runScript(String text) {
    SqlScript.Split split = SqlScript.split(text);
    java.util.List<String> statements = new java.util.ArrayList<>(split.statements());
    if (split.incomplete()) {
      statements.add(split.rest().strip());
    }
    for (String s : statements) {
      if (!run(s, false)) {
        return 1;
      }
    }
    return 0;
  }

  /**
   * The prompt: {@code stedi>}, continued by {@code ...>} until the statement's {@code ;}. A failed statement prints
   * its error and the session goes on; {@code quit;}, {@code exit;} or end of input (Ctrl-D) ends it.
   *
   * @param history where to keep the history between sessions, or null for this session only (statements may hold
   *     personal data, so nothing is written to disk unless asked)
   */
  int interactive(Path history) {
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      LineReaderBuilder b = LineReaderBuilder.builder().terminal(terminal).appName("stedi-sql").parser(new StatementParser())
          .variable(LineReader.SECONDARY_PROMPT_PATTERN, "   ...> ");
      if (history != null) {
        b.variable(LineReader.HISTORY_FILE, history);
      }
      LineReader reader = b.build();
      err.println("Spark SQL on the lakehouse (tables: stedi.*). End statements with ;  quit; or Ctrl-D to leave.");
      err.flush();
      while (true) {
        String line;
        try {
          line = reader.readLine("stedi> ");
        } catch (UserInterruptException e) {
          continue; // Ctrl-C drops the statement being typed
        } catch (EndOfFileException e) {
          return 0;
        }
        for (String s : SqlScript.split(line).statements()) {
          String word = s.strip().toLowerCase(Locale.ROOT);
          if (word.equals("quit") || word.equals("exit")) {
            return 0;
          }
          run(s, true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the terminal: " + e.getMessage(), e);
    }
  }

  /** Runs one statement and prints its result; false (after printing the error) when it failed. */
  boolean run(String statement, boolean timing) {
    long t0 = System.nanoTime();
    try {
      Dataset<Row> result = spark.sql(statement);
      long rows = ResultPrinter.print(result, format, out);
      out.flush();
      if (timing) {
        err.printf("(%,d row%s, %.2f s)%n", rows, rows == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9);
        err.flush();
      }
      return true;
    } catch (Exception e) {
      out.flush();
      err.println("error: " + SqlCommand.firstLine(SqlCommand.reportable(e)));
      err.flush();
      return false;
    }
  }

  /** Accepts a line only once its statement is complete: until then the prompt continues on the next line. */
  private static final class StatementParser extends DefaultParser {
    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
      if (context == ParseContext.ACCEPT_LINE && SqlScript.split(line).incomplete()) {
        throw new EOFError(-1, cursor, "statement not ended with ;");
      }
      return super.parse(line, cursor, context);
    }
  }
}
