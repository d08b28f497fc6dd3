package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * `banger vm cp SRC DST`, one side VM:PATH (absolute guest path), after docker cp: a file is copied to DST (into
 * it when DST ends with / or, on the host, is a directory). A directory is copied recursively (as a tar stream):
 * into the guest it always lands in DST under its own name; out of the guest it becomes DST when DST does not
 * exist, else goes into DST under its own name. Bytes moved are shown on stderr.
 */
@Command(name = "cp", description = "Copy files or directories between the host and a VM (VM:PATH on one side).")
final class VmCopyCommand extends ApiCommand {

    private static final Pattern REMOTE = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9._-]*):(.*)$");

    @Parameters(index = "0", paramLabel = "SRC", description = "Host path or VM:PATH.")
    private String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Host path or VM:PATH.")
    private String destination;

    @Override
    public Integer call() {
        Matcher from = REMOTE.matcher(source);
        Matcher to = REMOTE.matcher(destination);
        if (from.matches() == to.matches()) {
            throw new CliError("exactly one of SRC and DST must be VM:PATH");
        }
        if (to.matches()) {
            upload(Path.of(source), to.group(1), guestPath(to.group(2)));
        } else {
            download(from.group(1), guestPath(from.group(2)), Path.of(destination));
        }
        return 0;
    }

    private static String guestPath(String path) {
        if (!path.startsWith("/")) {
            throw new CliError("the guest path must be absolute, got \"" + path + "\"");
        }
        return path;
    }

    private void upload(Path local, String vm, String target) {
        if (!Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliError("no such file or directory: " + local);
        }
        String name = local.toAbsolutePath().normalize().getFileName().toString();
        TransferProgress progress = new TransferProgress(err(), "copying to " + vm + ":" + target);
        JsonNode answer;
        try {
            if (Files.isDirectory(local)) {
                // into TARGET under the directory's name: the guest unpacks the tar into TARGET
                String path = ApiClient.withQuery(ApiPaths.vm(vm, "files"),
                        List.of(Map.entry("path", target), Map.entry("archive", "tar")));
                answer = api().upload(path, "application/x-tar", () -> progress.counting(
                        TarStreams.of(local.toAbsolutePath().getParent(), List.of(name), "")),
                        ApiClient.TRANSFER_TIMEOUT);
            } else {
                String file = target.endsWith("/") ? target + name : target;
                String mode = String.format("%04o", TarStreams.mode(local));
                String path = ApiClient.withQuery(ApiPaths.vm(vm, "files"),
                        List.of(Map.entry("path", file), Map.entry("mode", mode)));
                answer = api().upload(path, "application/octet-stream", () -> {
                    try {
                        return progress.counting(Files.newInputStream(local));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, ApiClient.TRANSFER_TIMEOUT);
            }
        } catch (IOException e) {
            throw new CliError("cannot read " + local + ": " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
        out().printf("copied %s to %s:%s (%d bytes)%n", local, vm, answer.path("path").asText(),
                answer.path("bytes").asLong());
        out().flush();
    }

    private void download(String vm, String remote, Path local) {
        String trimmed = remote.length() > 1 && remote.endsWith("/") ? remote.substring(0, remote.length() - 1) : remote;
        String name = trimmed.equals("/") ? "." : trimmed.substring(trimmed.lastIndexOf('/') + 1);
        Path target = Files.isDirectory(local) ? local.resolve(name.equals(".") ? "root" : name) : local;
        String path = ApiClient.withQuery(ApiPaths.vm(vm, "files"),
                List.of(Map.entry("path", trimmed), Map.entry("archive", "tar")));
        TransferProgress progress = new TransferProgress(err(), "copying from " + vm + ":" + trimmed);
        try (InputStream tar = api().download(path).orElse(InputStream.nullInputStream())) {
            TarStreams.extract(progress.counting(tar), name, target);
        } catch (IOException e) {
            throw new CliError("copying " + vm + ":" + trimmed + " to " + target + " failed: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
        out().printf("copied %s:%s to %s%n", vm, trimmed, target);
        out().flush();
    }
}
