package org.prosodyfiler.it.xmpp;

/** A user the test registers on a private XMPP server before logging in with Smack. */
record Account(String user, String domain, String password) {
    String bareJid() {
        return user + "@" + domain;
    }
}
