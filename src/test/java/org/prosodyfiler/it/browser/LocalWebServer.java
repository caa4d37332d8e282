package org.prosodyfiler.it.browser;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A tiny web server on 127.0.0.1 that the test controls. It serves pages the test registers (host
 * pages that embed or open an upload, and the unprotected control copies of the payloads) and
 * records every request under /beacon/. A beacon request is how a script inside an uploaded file
 * would announce that it ran, even when the browser downloaded the file instead of showing it.
 */
final class LocalWebServer implements AutoCloseable {
    /** A registered response: body, Content-Type and any extra headers (e.g. a CSP for a control). */
    record Page(String contentType, byte[] body, Map<String, String> headers) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Page> pages = new ConcurrentHashMap<>();
    private final List<String> beaconHits = new CopyOnWriteArrayList<>();

    private LocalWebServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static LocalWebServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        LocalWebServer web = new LocalWebServer(server, executor);
        server.createContext("/", web::handle);
        server.setExecutor(executor);
        server.start();
        return web;
    }

    /** http://127.0.0.1:PORT with no trailing slash; also the origin of everything served here. */
    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    URI uri(String path) {
        return URI.create(origin() + path);
    }

    /** Where a payload with this id sends its beacons: {@code <this>/beacon/<id>/<channel>}. */
    String beaconPrefix(String id) {
        return origin() + "/beacon/" + id + "/";
    }

    URI addPage(String name, String contentType, String body) {
        return addPage(name, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    URI addPage(String name, String contentType, byte[] body, Map<String, String> headers) {
        String path = "/page/" + name;
        pages.put(path, new Page(contentType, body, headers));
        return uri(path);
    }

    /** The channels (fetch, img, handler, nav) through which payload {@code id} has reported so far. */
    List<String> beaconChannels(String id) {
        String prefix = "/beacon/" + id + "/";
        return beaconHits.stream().filter(p -> p.startsWith(prefix)).map(p -> p.substring(prefix.length())).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Headers headers = exchange.getResponseHeaders();
            headers.set("Cache-Control", "no-store");
            if (path.startsWith("/beacon/")) {
                beaconHits.add(path);
                respond(exchange, 200, "text/plain", "beacon received".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            Page page = pages.get(path);
            if (page == null) {
                respond(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            page.headers().forEach(headers::set);
            respond(exchange, 200, page.contentType(), page.body());
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
