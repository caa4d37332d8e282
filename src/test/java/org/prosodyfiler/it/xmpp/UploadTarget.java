package org.prosodyfiler.it.xmpp;

import java.nio.file.Path;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * One XMPP-server/dialect combination under test: the running XMPP server, the account to log in
 * with, how its slots must look, and the Prosody Filer instance (and its storeDir) they point at.
 */
record UploadTarget(XmppServer server, Account account, SlotShape slotShape, long sizeLimit,
                    FilerProcess filer, Path storeDir) {

    /** Appended to every failure: the tails of both servers' logs. */
    String logs() {
        return "\n--- " + server.name() + ": log tail ---\n" + server.logTail(60)
                + "\n--- Prosody Filer " + filer.baseUri() + ": log tail ---\n" + filer.logTail(30);
    }
}
