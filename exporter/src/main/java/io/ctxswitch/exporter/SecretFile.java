package io.ctxswitch.exporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Refuses files of {@code --serve-config} that any user of the machine could read (a private key,
 * password hashes) or change (who may scrape, which certificate is shown), as ssh refuses an
 * unprotected key. The group's bits are left to the user: Debian gives private keys to the
 * {@code ssl-cert} group ({@code 0640}), and Kubernetes gives secrets to a pod's {@code fsGroup}.
 * Symbolic links are followed (a Kubernetes secret's files are links): the file's own mode counts.
 */
final class SecretFile {
    private SecretFile() {
    }

    static void refuseIfOthersCanRead(Path file, String why) throws WebConfig.Invalid {
        Set<PosixFilePermission> mode = mode(file);
        if (mode != null && mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new WebConfig.Invalid(file + " is readable by every user (" + PosixFilePermissions.toString(mode)
                    + ") and " + why + ": chmod o-rwx " + file);
        }
    }

    static void refuseIfOthersCanWrite(Path file) throws WebConfig.Invalid {
        Set<PosixFilePermission> mode = mode(file);
        if (mode != null && mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new WebConfig.Invalid(file + " is writable by every user (" + PosixFilePermissions.toString(mode)
                    + "): chmod o-w " + file);
        }
    }

    /** The file's mode, or null on a file system without one (the check is then left out). */
    private static Set<PosixFilePermission> mode(Path file) throws WebConfig.Invalid {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return null;
        } catch (IOException e) {
            throw new WebConfig.Invalid("cannot read " + file + ": " + e.getMessage());
        }
    }
}
