package org.prosodyfiler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "stats", description = "Not yet available.")
final class StatsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("stats: not implemented yet");
        return 1;
    }
}
