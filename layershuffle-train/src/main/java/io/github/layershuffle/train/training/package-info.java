/**
 * Training the Vision Transformer with the paper's methods: {@link io.github.layershuffle.train.training.TrainingRun}
 * for whole runs (epochs, validation, best and last checkpoints, resume) and
 * {@link io.github.layershuffle.train.training.VitTrainer} for single steps.
 *
 * <p>Each step's plan comes from the variant's training policy, pass by pass, so runs are reproducible from
 * their seed. Blocks that a plan leaves out get no gradient: the optimiser leaves their weights and Adam
 * moments untouched, on every device (DJL's stock parameter server would still move them by Adam's
 * momentum; see {@code PlanAwareParameterServer}).
 */
package io.github.layershuffle.train.training;
