package io.stedi.lakehouse.report;

import java.util.List;
import java.util.Map;

/** Inline SVG charts for the report: no script, no font or file from anywhere, so the page renders offline. */
final class Svg {
  /** The series colours (colour-blind safe, Okabe-Ito). */
  static final String[] COLOURS = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"};

  private Svg() {}

  /** One bar of a horizontal bar chart: its label, value and colour. */
  record Bar(String label, long value, String colour) {}

  /**
   * A horizontal bar chart, one bar per row, labelled on the left with the value at the bar's end. Each bar
   * carries {@code data-label} and {@code data-value} so tests read the numbers the picture shows.
   */
  static String bars(String id, String title, List<Bar> bars) {
    int rowH = 26;
    int labelW = 320;
    int barW = 420;
    int h = 30 + rowH * Math.max(1, bars.size());
    long max = Math.max(1, bars.stream().mapToLong(Bar::value).max().orElse(1));
    StringBuilder b = new StringBuilder();
    b.append("<svg id=\"").append(id).append("\" class=\"chart\" role=\"img\" width=\"").append(labelW + barW + 110)
        .append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(labelW + barW + 110).append(' ').append(h)
        .append("\"><title>").append(Html.esc(title)).append("</title>");
    int y = 20;
    for (Bar bar : bars) {
      int w = bar.value() <= 0 ? 0 : (int) Math.max(2, Math.round((double) bar.value() / max * barW));
      b.append("<g class=\"bar\" data-label=\"").append(Html.esc(bar.label())).append("\" data-value=\"")
          .append(bar.value()).append("\">")
          .append("<text x=\"").append(labelW - 8).append("\" y=\"").append(y + 15)
          .append("\" text-anchor=\"end\">").append(Html.esc(bar.label())).append("</text>")
          .append("<rect x=\"").append(labelW).append("\" y=\"").append(y).append("\" width=\"").append(w)
          .append("\" height=\"").append(rowH - 8).append("\" fill=\"").append(bar.colour()).append("\"/>")
          .append("<text x=\"").append(labelW + w + 6).append("\" y=\"").append(y + 15).append("\">")
          .append(String.format("%,d", bar.value())).append("</text></g>");
      y += rowH;
    }
    return b.append("</svg>").toString();
  }

  /**
   * A line chart of several series over the same buckets (e.g. rows landed per time bucket per table), with a
   * legend; {@code xLabels} name the first and last bucket.
   */
  static String lines(String id, String title, Map<String, long[]> series, String firstLabel, String lastLabel) {
    int w = 760;
    int h = 260;
    int left = 70;
    int right = 20;
    int top = 20;
    int bottom = 60;
    long max = 1;
    int n = 1;
    for (long[] v : series.values()) {
      n = Math.max(n, v.length);
      for (long x : v) {
        max = Math.max(max, x);
      }
    }
    StringBuilder b = new StringBuilder();
    b.append("<svg id=\"").append(id).append("\" class=\"chart\" role=\"img\" width=\"").append(w).append("\" height=\"")
        .append(h).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\"><title>")
        .append(Html.esc(title)).append("</title>")
        .append("<line x1=\"").append(left).append("\" y1=\"").append(h - bottom).append("\" x2=\"").append(w - right)
        .append("\" y2=\"").append(h - bottom).append("\" stroke=\"#888\"/>")
        .append("<line x1=\"").append(left).append("\" y1=\"").append(top).append("\" x2=\"").append(left)
        .append("\" y2=\"").append(h - bottom).append("\" stroke=\"#888\"/>")
        .append("<text x=\"").append(left - 6).append("\" y=\"").append(top + 4).append("\" text-anchor=\"end\">")
        .append(String.format("%,d", max)).append("</text>")
        .append("<text x=\"").append(left - 6).append("\" y=\"").append(h - bottom).append("\" text-anchor=\"end\">0</text>")
        .append("<text x=\"").append(left).append("\" y=\"").append(h - bottom + 16).append("\">")
        .append(Html.esc(firstLabel)).append("</text>")
        .append("<text x=\"").append(w - right).append("\" y=\"").append(h - bottom + 16).append("\" text-anchor=\"end\">")
        .append(Html.esc(lastLabel)).append("</text>");
    int i = 0;
    double dx = n == 1 ? 0 : (double) (w - left - right) / (n - 1);
    for (Map.Entry<String, long[]> s : series.entrySet()) {
      String colour = COLOURS[i % COLOURS.length];
      long total = 0;
      StringBuilder pts = new StringBuilder();
      long[] v = s.getValue();
      for (int k = 0; k < v.length; k++) {
        total += v[k];
        double x = left + (n == 1 ? (w - left - right) / 2.0 : k * dx);
        double y = h - bottom - (double) v[k] / max * (h - bottom - top);
        pts.append(String.format(java.util.Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      b.append("<polyline class=\"series\" data-label=\"").append(Html.esc(s.getKey())).append("\" data-total=\"")
          .append(total).append("\" fill=\"none\" stroke-width=\"2\" stroke=\"").append(colour).append("\" points=\"")
          .append(pts.toString().strip()).append("\"/>");
      int ly = h - 24 + (i / 3) * 14;
      int lx = left + (i % 3) * 230;
      b.append("<rect x=\"").append(lx).append("\" y=\"").append(ly - 9).append("\" width=\"10\" height=\"10\" fill=\"")
          .append(colour).append("\"/><text x=\"").append(lx + 14).append("\" y=\"").append(ly).append("\">")
          .append(Html.esc(s.getKey())).append(String.format(" (%,d rows)", total)).append("</text>");
      i++;
    }
    return b.append("</svg>").toString();
  }
}
