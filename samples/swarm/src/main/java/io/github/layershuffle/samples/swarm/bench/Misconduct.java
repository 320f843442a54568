package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.samples.swarm.bench.Misbehaviour.Lie;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The faults of a bench beside kills: servers that are slow for the whole run, and spells during which a server
 * lies; drawn from a seed, so that two models and several verify modes face exactly the same ones.
 *
 * <pre>{@code
 * Misconduct m = Misconduct.generate(7, 4, 500, 1, 5_000, 25, 10, List.of(Lie.values()));
 * // one server 5 ms slower on every call; about every 25 requests a server lies for 10 requests
 * }</pre>
 *
 * @param seed       the seed it was drawn with
 * @param slow       the slow servers, ascending
 * @param slowMicros the latency they add to every call
 * @param spells     the lying spells, by first request
 */
public record Misconduct(long seed, List<Integer> slow, long slowMicros, List<Spell> spells) {

    /**
     * Server {@code server} lies ({@code lie}) to the requests dispatched in {@code [from, to)}.
     *
     * @param from   first request
     * @param to     first request after the spell
     * @param server which server
     * @param lie    how it lies
     */
    public record Spell(int from, int to, int server, Lie lie) {
        @Override
        public String toString() {
            return "@" + from + "-" + to + " " + server + " " + lie;
        }
    }

    /** Copies. */
    public Misconduct {
        slow = List.copyOf(new TreeSet<>(slow));
        spells = List.copyOf(Objects.requireNonNull(spells, "spells"));
    }

    /** Nobody slow, nobody lies. */
    public static Misconduct none() {
        return new Misconduct(0, List.of(), 0, List.of());
    }

    /**
     * Draws: {@code slowCount} distinct slow servers; spells at gaps uniform in {@code [1, 2 * lieEvery]} requests,
     * each of a server and a lie drawn uniformly, lasting {@code lieFor} requests (spells do not overlap).
     * {@code lieEvery} 0 draws no spells.
     *
     * @throws IllegalArgumentException if a count is out of range
     */
    public static Misconduct generate(long seed, int servers, int requests, int slowCount, long slowMicros,
                                      int lieEvery, int lieFor, List<Lie> lies) {
        if (servers < 1 || slowCount < 0 || slowCount > servers || slowMicros < 0 || lieEvery < 0 || lieFor < 1
                || lies.isEmpty()) {
            throw new IllegalArgumentException("need servers >= 1, slow in [0, servers], slowMicros >= 0, "
                    + "lieEvery >= 0, lieFor >= 1 and a lie; got servers=" + servers + ", slow=" + slowCount
                    + ", slowMicros=" + slowMicros + ", lieEvery=" + lieEvery + ", lieFor=" + lieFor + ", lies="
                    + lies);
        }
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<Integer> pool = new ArrayList<>();
        for (int s = 0; s < servers; s++) {
            pool.add(s);
        }
        List<Integer> slow = new ArrayList<>();
        for (int i = 0; i < slowCount; i++) {
            slow.add(pool.remove(rng.nextInt(pool.size())));
        }
        List<Spell> spells = new ArrayList<>();
        if (lieEvery > 0) {
            int t = rng.nextInt(1, 2 * lieEvery + 1);
            while (t < requests) {
                spells.add(new Spell(t, Math.min(requests, t + lieFor), rng.nextInt(servers),
                        lies.get(rng.nextInt(lies.size()))));
                t += lieFor + rng.nextInt(1, 2 * lieEvery + 1);
            }
        }
        return new Misconduct(seed, slow, slowMicros, spells);
    }

    /** Whether server {@code s} is slow. */
    public boolean isSlow(int s) {
        return slow.contains(s);
    }

    /** How server {@code s} lies to request {@code r}, or {@code null}. */
    public Lie lie(int s, int r) {
        for (Spell spell : spells) {
            if (spell.server() == s && r >= spell.from() && r < spell.to()) {
                return spell.lie();
            }
        }
        return null;
    }

    /** The server that lies to request {@code r}, or -1 (spells do not overlap: at most one does). */
    public int liar(int r) {
        for (Spell spell : spells) {
            if (r >= spell.from() && r < spell.to()) {
                return spell.server();
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Misconduct[seed=" + seed + ", slow " + slow + " +" + slowMicros + " us, " + spells.size()
                + " lying spells" + (spells.size() <= 8 ? " " + spells : "") + "]";
    }
}
