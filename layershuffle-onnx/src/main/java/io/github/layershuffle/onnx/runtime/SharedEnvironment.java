package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import io.github.layershuffle.api.LayerShuffleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one ONNX Runtime environment, created with a global thread pool when this library creates it.
 *
 * <p>Why: a composed model runs one session per graph, one after another. With a thread pool per session,
 * 14 pools compete for the cores (spinning ones steal them from the session that has work; sleeping ones
 * pay a wake-up per operator). One pool shared by all sessions keeps the cost of composition close to that
 * of a single graph. ONNX Runtime fixes an environment's threading when it is created, so if the
 * application created the environment first, sessions keep their own pools and a warning says so.
 */
final class SharedEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(SharedEnvironment.class);
    private static final String NAME = "layershuffle";

    private static OrtEnvironment env;
    private static boolean globalPool;

    private SharedEnvironment() {
    }

    /** The environment, creating it with a global pool sized by {@code options} if none exists yet. */
    static synchronized OrtEnvironment get(RuntimeOptions options) {
        if (env == null) {
            try (OrtEnvironment.ThreadingOptions threading = new OrtEnvironment.ThreadingOptions()) {
                threading.setGlobalIntraOpNumThreads(options.intraOpThreads());
                threading.setGlobalInterOpNumThreads(options.interOpThreads());
                threading.setGlobalSpinControl(options.spinning());
                env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, NAME, threading);
                globalPool = true;
                LOG.debug("created the ONNX Runtime environment with a global thread pool ({})", options);
            } catch (IllegalStateException e) {
                // the application made the environment before us: its threading stays as it is
                env = OrtEnvironment.getEnvironment();
                globalPool = false;
                LOG.warn("the ONNX Runtime environment was created before layershuffle loaded a model, so each "
                        + "of its sessions gets a thread pool of its own; composition costs more that way. Load a "
                        + "LayerShuffleModel before other ONNX Runtime use to share one pool.");
            } catch (OrtException e) {
                throw new LayerShuffleException("cannot create the ONNX Runtime environment: " + e.getMessage(), e);
            }
        }
        return env;
    }

    /** Whether sessions should run on the environment's global pool ({@link #get} must have run). */
    static synchronized boolean hasGlobalPool() {
        return globalPool;
    }
}
