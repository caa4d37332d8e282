package org.prosodyfiler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "purge", description = "Not yet available.")
final class PurgeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("purge: not implemented yet");
        return 1;
    }
}
