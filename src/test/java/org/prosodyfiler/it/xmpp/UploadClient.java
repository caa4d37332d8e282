package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.StanzaListener;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.XMPPException.XMPPErrorException;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.httpfileupload.HttpFileUploadManager;
import org.jivesoftware.smackx.httpfileupload.UploadService;
import org.jivesoftware.smackx.httpfileupload.element.Slot;
import org.jivesoftware.smackx.httpfileupload.element.SlotRequest;

/**
 * A real XEP-0363 client: Smack 4.4's HttpFileUploadManager logged in to a private XMPP server.
 * It asks the server for a slot and PUTs the file itself; the test only watches the slot IQ go
 * by, so the PUT URL and its MAC always come from the XMPP server, never from test code.
 */
final class UploadClient implements AutoCloseable {
    /** What Smack 4.4 declares in the slot request and sends as the PUT Content-Type. */
    static final String SMACK_CONTENT_TYPE = "application/octet-stream";
    private static final int TIMEOUT_MILLIS = 60_000;

    private final XMPPTCPConnection connection;
    private final HttpFileUploadManager manager;

    /**
     * The slot the XMPP server handed out and the URL Smack returned after its PUT. putHeaders are
     * the slot's &lt;header/&gt; elements, which Smack copies into its PUT (mod_http_file_share puts
     * its "Authorization: Bearer &lt;JWT&gt;" there; mod_http_upload_external and ejabberd send none).
     */
    record Upload(URL putUrl, URL getUrl, URL returnedUrl, Map<String, String> putHeaders) {
        Upload {
            putHeaders = Map.copyOf(putHeaders);
        }
    }

    /** A slot requested but not used by Smack: the test makes the PUT itself. */
    record SlotGrant(URL putUrl, URL getUrl, Map<String, String> putHeaders) {
        SlotGrant {
            putHeaders = Map.copyOf(putHeaders);
        }
    }

    private UploadClient(XMPPTCPConnection connection, HttpFileUploadManager manager) {
        this.connection = connection;
        this.manager = manager;
    }

    /** Connects without TLS to 127.0.0.1 (SCRAM-SHA-1 login) and discovers the upload service. */
    static UploadClient login(XmppServer server, Account account)
            throws IOException, InterruptedException, SmackException, XMPPException {
        XMPPTCPConnectionConfiguration config = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(account.domain())
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(server.c2sPort())
                .setUsernameAndPassword(account.user(), account.password())
                .setResource("filer-it")
                .setSecurityMode(SecurityMode.disabled)
                .setConnectTimeout(TIMEOUT_MILLIS)
                .build();
        XMPPTCPConnection connection = new XMPPTCPConnection(config);
        connection.setReplyTimeout(TIMEOUT_MILLIS);
        try {
            connection.connect().login();
            HttpFileUploadManager manager = HttpFileUploadManager.getInstanceFor(connection);
            if (!manager.discoverUploadService()) {
                throw new IllegalStateException(account.domain() + " announces no XEP-0363 upload service");
            }
            return new UploadClient(connection, manager);
        } catch (IOException | InterruptedException | SmackException | XMPPException | RuntimeException e) {
            connection.disconnect();
            throw e;
        }
    }

    UploadService service() {
        return manager.getDefaultUploadService();
    }

    /**
     * Uploads {@code file} under {@code name} the way an app does (slot request, then PUT), and
     * records the slot. The name is passed separately so non-ASCII names do not depend on the
     * file system encoding of the test JVM.
     */
    Upload upload(Path file, String name)
            throws IOException, InterruptedException, SmackException, XMPPErrorException {
        CompletableFuture<Slot> slot = new CompletableFuture<>();
        StanzaListener watcher = stanza -> slot.complete((Slot) stanza);
        connection.addStanzaListener(watcher, new StanzaTypeFilter(Slot.class));
        try (InputStream in = Files.newInputStream(file)) {
            URL returned = manager.uploadFile(in, name, Files.size(file));
            Slot handedOut = slot.get(30, TimeUnit.SECONDS);
            return new Upload(handedOut.getPutUrl(), handedOut.getGetUrl(), returned, handedOut.getHeaders());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("upload finished but the slot IQ was not observed", e);
        } finally {
            connection.removeStanzaListener(watcher);
        }
    }

    /**
     * Asks for a slot through Smack's own API, declaring {@code contentType} (Smack's uploadFile
     * never declares one), without uploading: for tests that PUT with their own HTTP client.
     */
    SlotGrant requestSlot(String name, long size, String contentType)
            throws InterruptedException, SmackException, XMPPErrorException {
        Slot slot = manager.requestSlot(name, size, contentType);
        return new SlotGrant(slot.getPutUrl(), slot.getGetUrl(), slot.getHeaders());
    }

    /**
     * Sends a slot request without Smack's client-side size check, so the XMPP server itself has
     * to decide. Returns its error, or empty when {@code refusedWithoutAnswer} reports that the
     * server turned the request down without replying; fails if a slot is handed out.
     */
    Optional<StanzaError> requestOversizedSlot(String name, long size, BooleanSupplier refusedWithoutAnswer)
            throws InterruptedException, ExecutionException, TimeoutException {
        SlotRequest request = new SlotRequest(service().getAddress(), name, size, SMACK_CONTENT_TYPE);
        // Callbacks rather than SmackFuture.isDone(): in Smack 4.4 that stays false on an error reply.
        CompletableFuture<IQ> answer = new CompletableFuture<>();
        connection.sendIqRequestAsync(request, TIMEOUT_MILLIS)
                .onSuccess(answer::complete)
                .onError(answer::completeExceptionally);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (!answer.isDone()) {
            if (refusedWithoutAnswer.getAsBoolean()) {
                answer.cancel(true);
                return Optional.empty();
            }
            if (System.nanoTime() > deadline) {
                answer.cancel(true);
                throw new TimeoutException("no answer to the slot request within " + TIMEOUT_MILLIS + " ms");
            }
            Thread.sleep(50);
        }
        try {
            IQ slot = answer.get();
            throw new AssertionError("the XMPP server handed out a slot for " + size + " bytes: " + slot.toXML());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof XMPPErrorException refused) {
                return Optional.of(refused.getStanzaError());
            }
            throw e;
        }
    }

    @Override
    public void close() {
        connection.disconnect();
    }
}
