package io.ctxswitch.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The user's files that an output path must never harm, and how the tests check that: the same
 * bytes, hashes and directory listings for OutputFile's unit test and the CLI's ITs.
 */
public final class UsersFiles {
    /** What the user's own file holds: the bytes that must survive every refused or failed write. */
    public static final byte[] USERS = "the user's notes, not to be lost\n".getBytes(StandardCharsets.UTF_8);

    private UsersFiles() {
    }

    public static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The names in {@code directory}, sorted. */
    public static List<String> names(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A link planted at {@code name} in a world-writable, sticky directory like /tmp ({@code
     * dir}/shared, 1777), pointing at a file root must not overwrite ({@code dir}/passwd, holding
     * {@link #USERS}), and that file's hash before anything ran.
     */
    public record PlantedLink(Path link, Path victim, String victimHash) {
        public static PlantedLink in(Path dir, String name) throws Exception {
            Path shared = Files.createDirectory(dir.resolve("shared"));
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThat(new ProcessBuilder("chmod", "+t", shared.toString()).start().waitFor()).isZero();
            Path victim = dir.resolve("passwd");
            Files.write(victim, USERS);
            return new PlantedLink(Files.createSymbolicLink(shared.resolve(name), victim), victim, sha256(victim));
        }
    }
}
