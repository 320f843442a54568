package io.github.layershuffle.samples.swarm.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * When a bench kills and restarts which server, counted in requests dispatched: a seeded schedule, so that two
 * models run under exactly the same faults.
 *
 * <pre>{@code
 * FaultSchedule s = FaultSchedule.generate(7, 4, 500, 40, 60, 1);
 * // kill a server every ~40 requests (uniform in [1, 80]), back after ~60 (uniform in [30, 90]); never fewer than 1 up
 * }</pre>
 *
 * @param seed    the seed it was drawn with
 * @param servers the number of servers
 * @param events  the events, by request index (a restart before a kill at the same index)
 */
public record FaultSchedule(long seed, int servers, List<Event> events) {

    /** What happens to a server. */
    public enum Action {
        /** The server stops: its port closes, calls in flight fail. */
        KILL,
        /** The server starts again on the same port and loads its exports again. */
        RESTART
    }

    /**
     * One event.
     *
     * @param atRequest applied just before this request (0-based) is dispatched
     * @param action    kill or restart
     * @param server    which server, in {@code [0, servers)}
     */
    public record Event(int atRequest, Action action, int server) {
        @Override
        public String toString() {
            return "@" + atRequest + " " + action.name().toLowerCase(Locale.ROOT) + " " + server;
        }
    }

    /** Checks and copies. */
    public FaultSchedule {
        events = List.copyOf(Objects.requireNonNull(events, "events"));
    }

    /** A schedule with no faults. */
    public static FaultSchedule none(int servers) {
        return new FaultSchedule(0, servers, List.of());
    }

    /**
     * Draws a schedule: kills at gaps uniform in {@code [1, 2 * meanGap]} requests, each of a server chosen
     * uniformly among those up, which comes back after a time uniform in {@code [downFor / 2, 3 * downFor / 2]};
     * a kill that would leave fewer than {@code minUp} servers up is not made. Restarts past the last request are
     * left out.
     *
     * @throws IllegalArgumentException if a count is out of range
     */
    public static FaultSchedule generate(long seed, int servers, int requests, int meanGap, int downFor, int minUp) {
        if (servers < 1 || requests < 0 || meanGap < 1 || downFor < 1 || minUp < 0 || minUp > servers) {
            throw new IllegalArgumentException("need servers >= 1, requests >= 0, meanGap >= 1, downFor >= 1 and "
                    + "minUp in [0, servers]; got servers=" + servers + ", requests=" + requests + ", meanGap="
                    + meanGap + ", downFor=" + downFor + ", minUp=" + minUp);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Event> events = new ArrayList<>();
        boolean[] up = new boolean[servers];
        Arrays.fill(up, true);
        int upCount = servers;
        TreeMap<Integer, List<Integer>> restarts = new TreeMap<>();
        int t = rng.nextInt(1, 2 * meanGap + 1);
        while (t < requests) {
            while (!restarts.isEmpty() && restarts.firstKey() <= t) {
                var due = restarts.pollFirstEntry();
                for (int s : due.getValue()) {
                    events.add(new Event(due.getKey(), Action.RESTART, s));
                    up[s] = true;
                    upCount++;
                }
            }
            if (upCount > minUp) {
                int pick = rng.nextInt(upCount);
                int victim = -1;
                for (int s = 0; s < servers; s++) {
                    if (up[s] && pick-- == 0) {
                        victim = s;
                        break;
                    }
                }
                events.add(new Event(t, Action.KILL, victim));
                up[victim] = false;
                upCount--;
                int back = t + Math.max(1, rng.nextInt(downFor / 2, downFor * 3 / 2 + 1));
                restarts.computeIfAbsent(back, k -> new ArrayList<>()).add(victim);
            }
            t += rng.nextInt(1, 2 * meanGap + 1);
        }
        restarts.forEach((at, list) -> {
            if (at < requests) {
                list.forEach(s -> events.add(new Event(at, Action.RESTART, s)));
            }
        });
        events.sort(Comparator.comparingInt(Event::atRequest).thenComparing(e -> e.action() == Action.KILL));
        return new FaultSchedule(seed, servers, events);
    }

    /** The number of kills. */
    public long kills() {
        return events.stream().filter(e -> e.action() == Action.KILL).count();
    }

    @Override
    public String toString() {
        return "FaultSchedule[seed=" + seed + ", servers=" + servers + ", " + kills() + " kills: " + events + "]";
    }
}
