package org.apache.iceberg.rest;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Apache Iceberg's REST catalog server on loopback for tests. The catalog is Iceberg's own (the same
 * {@link RESTCatalogServlet} and {@link RESTServerCatalogAdapter} that {@code RESTCatalogServer} and the
 * apache/iceberg-rest-fixture image run); this class only hosts it on 127.0.0.1 at an ephemeral port (the fixture's
 * own main binds every interface at a fixed one) and, when given a token, refuses requests without it, so a test can
 * see that a client sends its credential.
 *
 * <p>Arguments are {@code key=value}: {@code backend-uri} (a JDBC URL for the backing JdbcCatalog), {@code warehouse},
 * {@code port-file} (written once the server listens), optional {@code token}.
 */
public final class LoopbackRestCatalogServer {
  private LoopbackRestCatalogServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + arg);
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Map<String, String> backend = new HashMap<>();
    backend.put(CatalogProperties.CATALOG_IMPL, JdbcCatalog.class.getName());
    backend.put(CatalogProperties.URI, required(a, "backend-uri"));
    backend.put(CatalogProperties.WAREHOUSE_LOCATION, required(a, "warehouse"));
    backend.put("jdbc.schema-version", "V1");
    Catalog catalog = CatalogUtil.buildIcebergCatalog("rest_backend", backend, new Configuration());
    RESTCatalogAdapter adapter = new RESTServerCatalogAdapter(new RESTCatalogServer.CatalogContext(catalog, backend));
    HttpServlet iceberg = new RESTCatalogServlet(adapter);
    String token = a.get("token");
    HttpServlet served = token == null ? iceberg : new BearerTokenServlet(iceberg, token);

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(served), "/*");
    server.setHandler(context);
    server.start();
    // written whole, then renamed, so a reader never sees a half-written port
    Path portFile = Path.of(required(a, "port-file"));
    Path partial = portFile.resolveSibling(portFile.getFileName() + ".partial");
    Files.writeString(partial, Integer.toString(connector.getLocalPort()));
    Files.move(partial, portFile, StandardCopyOption.ATOMIC_MOVE);
    server.join();
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing " + key + "=...");
    }
    return v;
  }

  /**
   * Answers 401 with an Iceberg {@code ErrorModel} body (REST catalog OpenAPI spec, components/responses/
   * UnauthorizedResponse) unless the request carries {@code Authorization: Bearer <token>}.
   */
  private static final class BearerTokenServlet extends HttpServlet {
    private final HttpServlet delegate;
    private final byte[] expected;

    BearerTokenServlet(HttpServlet delegate, String token) {
      this.delegate = delegate;
      this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void init() throws jakarta.servlet.ServletException {
      delegate.init(getServletConfig());
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp)
        throws IOException, jakarta.servlet.ServletException {
      String header = req.getHeader("Authorization");
      if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
        resp.setStatus(401);
        resp.setContentType("application/json");
        resp.getWriter().write("{\"error\":{\"message\":\"missing or wrong bearer token\","
            + "\"type\":\"NotAuthorizedException\",\"code\":401}}");
        return;
      }
      delegate.service(req, resp);
    }
  }
}
