package org.prosodyfiler.storage;

/** The answer of {@link Store#stat}: a file, nothing, or something that is not a file (a directory). */
public sealed interface Lookup {
    record Found(StoredFile file) implements Lookup {
    }

    record Missing() implements Lookup {
    }

    record NotAFile() implements Lookup {
    }

    Lookup MISSING = new Missing();
    Lookup NOT_A_FILE = new NotAFile();
}
