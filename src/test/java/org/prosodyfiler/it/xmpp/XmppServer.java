package org.prosodyfiler.it.xmpp;

/**
 * A private XMPP server started for the tests: where clients connect and how to explain a
 * failure (its log). Closing it stops the whole process tree.
 */
interface XmppServer extends AutoCloseable {
    /** For messages, e.g. "Prosody 127.0.0.1:40123". */
    String name();

    /** The loopback port of the plain (no TLS) client-to-server listener. */
    int c2sPort();

    /** The current end of the server's log, to look only at what a request causes later. */
    long logMark();

    /**
     * True when the log written since {@code mark} shows that {@code service} turned down a slot
     * request for {@code size} bytes (limit {@code limit}) without sending any answer. Only
     * Prosody does that, see there.
     */
    default boolean refusedSlotWithoutAnswer(long mark, String service, long size, long limit) {
        return false;
    }

    /** The last lines of the server's log(s), appended to every failure message. */
    String logTail(int lines);

    @Override
    void close();
}
