package io.github.layershuffle.samples.swarm.client;

/** How a client orders the blocks of a plan and picks their servers. */
public enum Routing {
    /**
     * The blocks run in the plan's order; each hop goes to a random server among those that host the part.
     */
    PLAN,
    /**
     * Latency-aware. For a model trained to run its blocks in any order ({@code Variant.shuffles()}), each slot
     * takes the not-yet-run block of the plan whose server is expected to answer soonest: its smoothed latency
     * times one plus its calls in flight (a server not yet timed is tried first). Other models keep the plan's
     * order and only their servers are chosen that way.
     */
    ADAPTIVE
}
