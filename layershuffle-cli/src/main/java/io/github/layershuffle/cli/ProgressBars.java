package io.github.layershuffle.cli;

import io.github.layershuffle.train.eval.EvaluationListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on standard error, one per task: a new task name closes the previous bar. Off when
 * {@code --quiet} is given.
 */
final class ProgressBars implements AutoCloseable {
    private static final int MAX_NAME = 48;
    private final boolean enabled;
    private final PrintStream stream;
    private ProgressBar bar;
    private String task;

    ProgressBars(boolean enabled) {
        this.enabled = enabled;
        this.stream = System.err;
    }

    /** Moves the bar of {@code name} to {@code done} of {@code total}, opening it if new. */
    synchronized void update(String name, long done, long total, String extra) {
        if (!enabled) {
            return;
        }
        if (bar == null || !name.equals(task)) {
            finish();
            String shown = name.length() <= MAX_NAME ? name : "..." + name.substring(name.length() - MAX_NAME + 3);
            bar = new ProgressBarBuilder().setTaskName(shown).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setMaxRenderedLength(120)
                    .setConsumer(new ConsoleProgressBarConsumer(stream)).build();
            task = name;
        }
        bar.maxHint(total);
        bar.stepTo(done);
        if (extra != null) {
            bar.setExtraMessage(extra);
        }
    }

    /** An evaluation listener drawing on these bars. */
    EvaluationListener evaluationListener() {
        return (name, images, total) -> update(name, images, total, null);
    }

    @Override
    public void close() {
        finish();
    }

    /** Ends the current bar, if any; the next update opens a new one. */
    synchronized void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
            task = null;
        }
    }
}
