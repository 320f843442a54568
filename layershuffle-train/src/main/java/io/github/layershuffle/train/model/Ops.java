package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.github.layershuffle.api.checkpoint.Tensor;

/**
 * The few tensor operations the ViT parts share.
 *
 * <p>Memory: a DJL result is owned by the manager of the array the operation is called on. Every operation
 * here is called on the activation, never on a parameter, so intermediate arrays belong to the caller's
 * (per-batch) manager and never pile up in the model's manager; where an operation must start from a
 * parameter, {@link #adopt} moves the result to the activation's manager.
 */
final class Ops {
    private Ops() {
    }

    /** A trainable parameter with its FORMATS.md name, shape, and seeded initial value. */
    static Parameter parameter(String name, long seed, long... shape) {
        return Parameter.builder()
                .setName(name)
                .setType(name.endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                .optShape(new Shape(shape))
                .optInitializer(new SeededInitializer(name, seed))
                .build();
    }

    /** The value of {@code p} on the device of {@code like}. */
    static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
        return LayerNorm.layerNorm(x, new Shape(gamma.getShape().get(0)), gamma, beta, eps).singletonOrThrow();
    }

    static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }

    /** Moves {@code result} (made from a parameter) to the manager of {@code activation}. */
    static NDArray adopt(NDArray result, NDArray activation) {
        result.attach(activation.getManager());
        return result;
    }

    /** DJL initialiser that gives a parameter its {@link Initialization} value. */
    private static final class SeededInitializer implements Initializer {
        private final String name;
        private final long seed;

        SeededInitializer(String name, long seed) {
            this.name = name;
            this.seed = seed;
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            Tensor t = Initialization.tensor(name, shape.getShape(), seed);
            return manager.create(t.data(), shape).toType(dataType, false);
        }
    }
}
