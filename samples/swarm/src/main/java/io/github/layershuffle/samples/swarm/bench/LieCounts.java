package io.github.layershuffle.samples.swarm.bench;

/**
 * What became of the lies of a bench run. The bench knows which server lies to which request (it tags every call
 * with its request, {@link Misbehaviour#REQUEST_HEADER}), so every Block hop answered by that server in that request
 * is a lie delivered, and its hop's outcome says what the client made of it.
 *
 * @param told        Block calls the lying servers answered with a lie (counted by them; a call the client gave
 *                    up on counts too)
 * @param caught      lies delivered and outvoted (by a majority of servers or the in-process recompute): the liar
 *                    was banned and its output not used
 * @param flagged     lies delivered whose hop split with no majority: seen, nobody banned, the hop counted as failed
 * @param passedCheck lies delivered that were compared with another output and agreed with it (within the
 *                    tolerance, or another server lied the same way): missed although checked
 * @param unverified  lies delivered on a hop that verification wanted checked, but no other server could run
 *                    (the other hosts down or banned) and the client held no export: used unchecked
 * @param unchecked   lies delivered on a hop that verification did not sample ({@code none}, or {@code spot:P}
 *                    not drawn): used unchecked
 */
public record LieCounts(long told, long caught, long flagged, long passedCheck, long unverified, long unchecked) {

    /** No lies. */
    public static final LieCounts NONE = new LieCounts(0, 0, 0, 0, 0, 0);

    /** The sum of two counts. */
    public LieCounts plus(LieCounts o) {
        return new LieCounts(told + o.told, caught + o.caught, flagged + o.flagged, passedCheck + o.passedCheck,
                unverified + o.unverified, unchecked + o.unchecked);
    }

    /** Lies that reached the client. */
    public long delivered() {
        return caught + flagged + passedCheck + unverified + unchecked;
    }

    /** Lies the client noticed: caught or flagged. */
    public long detected() {
        return caught + flagged;
    }

    /** Lies that were compared with a second output (server or in-process): detected or passed the check. */
    public long verifiable() {
        return caught + flagged + passedCheck;
    }

    /** Lies that reached the client and were used: passed a check, unverified or unchecked. */
    public long missed() {
        return passedCheck + unverified + unchecked;
    }

    /** {@link #detected()} over {@link #verifiable()}: the detection rate of the checks that ran; NaN if none. */
    public double detectionRate() {
        return verifiable() == 0 ? Double.NaN : (double) detected() / verifiable();
    }

    /** {@link #detected()} over {@link #delivered()}: of every lie that reached the client; NaN if none. */
    public double detectionRateOfDelivered() {
        return delivered() == 0 ? Double.NaN : (double) detected() / delivered();
    }
}
