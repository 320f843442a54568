package io.github.layershuffle.samples.swarm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerAddressTest {

    @Test
    void parsesHostsPortsAndIpv6() {
        assertThat(ServerAddress.parse("127.0.0.1:50051")).isEqualTo(new ServerAddress("127.0.0.1", 50051));
        assertThat(ServerAddress.parse("[::1]:7").host()).isEqualTo("::1");
        assertThat(ServerAddress.parse("[::1]:7")).hasToString("[::1]:7");
        assertThat(ServerAddress.parseList("a:1, b:2 c:3")).extracting(ServerAddress::host).containsExactly("a", "b",
                "c");
        assertThatThrownBy(() -> ServerAddress.parse("host")).hasMessageContaining("is not host:port");
        assertThatThrownBy(() -> ServerAddress.parse("h:x")).hasMessageContaining("port 'x' is not a number");
        assertThatThrownBy(() -> ServerAddress.parse("h:70000")).hasMessageContaining("[1, 65535]");
        assertThatThrownBy(() -> ServerAddress.parse("::1:5")).hasMessageContaining("in brackets");
    }

    @Test
    void readsAFileWithCommentsAndNamesTheBadLine(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("servers.txt"), "# swarm\n127.0.0.1:1  # first\n\nlocalhost:2\n");
        assertThat(ServerAddress.read(f)).containsExactly(new ServerAddress("127.0.0.1", 1),
                new ServerAddress("localhost", 2));
        Path bad = Files.writeString(dir.resolve("bad.txt"), "a:1\nb\n");
        assertThatThrownBy(() -> ServerAddress.read(bad)).hasMessageContaining("bad.txt line 2");
        assertThat(ServerAddress.resolveAll(ServerAddress.parseList("127.0.0.1:5"))).containsExactly(
                new ServerAddress("127.0.0.1", 5));
    }
}
