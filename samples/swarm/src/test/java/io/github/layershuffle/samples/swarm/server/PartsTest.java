package io.github.layershuffle.samples.swarm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PartsTest {

    @Test
    void parsesTheFormsAndWritesThemBack() {
        assertThat(Parts.parse("all")).isEqualTo(Parts.all());
        assertThat(Parts.all().resolve(3)).containsExactly(0, 1, 2);
        Parts p = Parts.parse("stem, head,0-2,7,1");
        assertThat(p.stem()).isTrue();
        assertThat(p.head()).isTrue();
        assertThat(p.blocks()).containsExactly(0, 1, 2, 7);
        assertThat(Parts.parse(p.toString())).isEqualTo(p);
        assertThat(Parts.parse("blocks").resolve(2)).containsExactly(0, 1);
        assertThat(Parts.parse("blocks").stem()).isFalse();
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> Parts.parse("stem,tail")).hasMessageContaining("'tail' is not all, stem, head");
        assertThatThrownBy(() -> Parts.parse("5-2")).hasMessageContaining("range 5-2 runs backwards");
        assertThatThrownBy(() -> Parts.parse("")).hasMessageContaining("nothing to host");
        assertThatThrownBy(() -> Parts.parse("0,9").resolve(4)).hasMessageContaining("block 9 is out of range [0, 4)");
    }
}
