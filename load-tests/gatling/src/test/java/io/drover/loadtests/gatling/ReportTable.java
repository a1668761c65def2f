package io.drover.loadtests.gatling;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statistics table of a Gatling 3.15 HTML report ({@code index.html}: one row per request kind,
 * "All Requests" first), read back for {@code bin/gatling.sh}'s summary and for the smoke test's
 * checks. Gatling 3.15 writes no {@code stats.json} any more; the table's columns are Total, OK, KO,
 * % KO, Cnt/s, Min, 50th, 75th, 95th, 99th pct, Max, Mean, Std Dev ({@code col-2} to {@code col-14}).
 *
 * <p>{@code java -cp ... io.drover.loadtests.gatling.ReportTable REPORT_DIR} prints it as Markdown.
 */
public final class ReportTable {

  private static final Pattern ROW = Pattern.compile("<tr id=\"([^\"]+)\"[^>]*>(.*?)</tr>", Pattern.DOTALL);
  private static final Pattern NAME = Pattern.compile("class=\"ellipsed-name\">([^<]*)</span>");
  private static final Pattern CELL = Pattern.compile("<td class=\"value [a-z]+ col-(\\d+)\">([^<]*)</td>");

  /** One request kind's row; times in milliseconds. */
  public record Row(String name, long total, long ok, long ko, double perSecond, long p50, long p95, long p99, long max) {
  }

  private ReportTable() {
  }

  public static List<Row> read(Path reportDir) throws IOException {
    String html = Files.readString(reportDir.resolve("index.html"), StandardCharsets.UTF_8);
    List<Row> rows = new ArrayList<>();
    Matcher row = ROW.matcher(html);
    while (row.find()) {
      Matcher name = NAME.matcher(row.group(2));
      if (!name.find()) {
        continue;
      }
      String[] cells = new String[15];
      Matcher cell = CELL.matcher(row.group(2));
      while (cell.find()) {
        cells[Integer.parseInt(cell.group(1))] = cell.group(2).trim();
      }
      if (cells[2] == null) {
        continue;
      }
      rows.add(new Row(unescape(name.group(1)), number(cells[2]), number(cells[3]), number(cells[4]), decimal(cells[6]),
          number(cells[8]), number(cells[10]), number(cells[11]), number(cells[12])));
    }
    if (rows.isEmpty()) {
      throw new IOException("no statistics table in " + reportDir.resolve("index.html"));
    }
    return rows;
  }

  private static long number(String text) {
    return text == null || text.equals("-") ? 0 : Long.parseLong(text);
  }

  private static double decimal(String text) {
    return text == null || text.equals("-") ? 0 : Double.parseDouble(text);
  }

  private static String unescape(String text) {
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&quot;", "\"");
  }

  public static void main(String[] args) throws IOException {
    System.out.println("| request | count | failed | requests/s | p50 ms | p95 ms | p99 ms | max ms |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Row r : read(Path.of(args[0]))) {
      System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %d | %d | %d | %d |%n", r.name(), r.total(), r.ko(), r.perSecond(),
          r.p50(), r.p95(), r.p99(), r.max());
    }
  }
}
