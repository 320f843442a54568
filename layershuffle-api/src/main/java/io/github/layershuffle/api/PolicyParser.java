package io.github.layershuffle.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the text form of a policy: what {@link ExecutionPolicy#toString()} writes, e.g.
 * {@code random(42).keep(6)}, plus the colon short forms of command lines ({@code fixed:3,0,2},
 * {@code random:42}).
 */
final class PolicyParser {
    static final String GRAMMAR = "sequential | reversed | random | random(SEED) | random:SEED | fixed(I,J,...) | fixed:I,J,..., "
            + "then any of .keep(K) .drop(P) .without(I,J,...) .seeded(SEED)";

    private final String text;
    private int pos;

    private PolicyParser(String text) {
        this.text = text;
    }

    static ExecutionPolicy parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("policy text is empty; expected " + GRAMMAR);
        }
        PolicyParser p = new PolicyParser(text.strip().toLowerCase(Locale.ROOT));
        ExecutionPolicy policy = p.base();
        while (p.pos < p.text.length()) {
            if (p.text.charAt(p.pos) != '.') {
                throw p.error("expected '.' before a modifier");
            }
            p.pos++;
            policy = p.modifier(policy);
        }
        return policy;
    }

    private ExecutionPolicy base() {
        String name = name();
        List<String> args = args();
        switch (name) {
            case "sequential", "reversed" -> {
                noArgs(name, args);
                return name.equals("sequential") ? ExecutionPolicy.sequential() : ExecutionPolicy.reversed();
            }
            case "random", "shuffled", "arbitrary" -> {
                if (args == null || args.isEmpty()) {
                    return ExecutionPolicy.random();
                }
                return ExecutionPolicy.random(oneLong(name, args));
            }
            case "fixed" -> {
                return ExecutionPolicy.fixed(ints(name, args));
            }
            default -> throw error("unknown policy '" + name + "'");
        }
    }

    private ExecutionPolicy modifier(ExecutionPolicy policy) {
        String name = name();
        List<String> args = args();
        return switch (name) {
            case "keep" -> policy.keep(Math.toIntExact(oneLong(name, args)));
            case "drop" -> policy.drop(oneDouble(name, args));
            case "without" -> policy.without(ints(name, args));
            case "seeded" -> policy.seeded(oneLong(name, args));
            default -> throw error("unknown modifier '" + name + "'");
        };
    }

    private String name() {
        int start = pos;
        while (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '-')) {
            pos++;
        }
        if (start == pos) {
            throw error("expected a name");
        }
        return text.substring(start, pos);
    }

    /** Arguments in parentheses, or after a colon up to the next '.'; null if none. */
    private List<String> args() {
        if (pos >= text.length()) {
            return null;
        }
        char c = text.charAt(pos);
        String body;
        if (c == '(') {
            int close = text.indexOf(')', pos);
            if (close < 0) {
                throw error("missing ')'");
            }
            body = text.substring(pos + 1, close);
            pos = close + 1;
        } else if (c == ':' || c == '=') {
            // the colon form takes integers only, so a '.' ends it: random:5.keep(3)
            int start = ++pos;
            while (pos < text.length() && text.charAt(pos) != '.') {
                pos++;
            }
            body = text.substring(start, pos);
        } else {
            return null;
        }
        List<String> args = new ArrayList<>();
        for (String a : body.split(",")) {
            if (!a.isBlank()) {
                args.add(a.strip());
            }
        }
        return args;
    }

    private void noArgs(String name, List<String> args) {
        if (args != null && !args.isEmpty()) {
            throw error(name + " takes no arguments");
        }
    }

    private long oneLong(String name, List<String> args) {
        if (args == null || args.size() != 1) {
            throw error(name + " takes one integer");
        }
        try {
            return Long.parseLong(args.get(0));
        } catch (NumberFormatException e) {
            throw error(name + ": '" + args.get(0) + "' is not an integer");
        }
    }

    private double oneDouble(String name, List<String> args) {
        if (args == null || args.size() != 1) {
            throw error(name + " takes one number");
        }
        try {
            return Double.parseDouble(args.get(0));
        } catch (NumberFormatException e) {
            throw error(name + ": '" + args.get(0) + "' is not a number");
        }
    }

    private int[] ints(String name, List<String> args) {
        if (args == null || args.isEmpty()) {
            throw error(name + " takes a list of block indices, e.g. " + name + "(3,0,2)");
        }
        int[] values = new int[args.size()];
        for (int i = 0; i < values.length; i++) {
            try {
                values[i] = Integer.parseInt(args.get(i));
            } catch (NumberFormatException e) {
                throw error(name + ": '" + args.get(i) + "' is not a block index");
            }
        }
        return values;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("policy '" + text + "' at position " + pos + ": " + what
                + "; expected " + GRAMMAR);
    }
}
