package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.cli.BangerCli;
import banger.cli.CliEnvironment;
import banger.testsupport.HeadlessChromium;
import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The ops console in a real headless Chromium against a real daemon control plane (HTTP API, fleet, SQLite
 * journal, event feed; only the VMM, which boots instantly, and image pulls, which need no registry, are stand-ins).
 * One browser for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path stateDir = tempDir();
    private static final ActorTestKit kit = ActorTestKit.create(LocalDaemon.config(stateDir,
            "banger.api.sse-keep-alive = 1s"));
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalDaemon daemon;
    private static HeadlessChromium browser;
    private static ChromeDriver driver;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
        base = daemon.base;
        browser = HeadlessChromium.start();
        driver = browser.driver();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
            if (daemon != null) {
                daemon.stop();
            }
        } finally {
            kit.shutdownTestKit();
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Cookies are deleted for the current page's site: stand on a plain file of it, not the running app. */
    @BeforeEach
    void loggedOut() {
        driver.get(base + "/ui/favicon.svg");
        driver.manage().deleteAllCookies();
    }

    @Test
    void aWrongTokenShowsAClearErrorAndLogsNobodyIn() {
        driver.get(daemon.base + "/");
        browser.visible(By.id("login-token")).sendKeys("0123456789abcdef-not-the-token");
        driver.findElement(By.id("login-submit")).click();
        WebElement error = browser.visible(By.id("login-error"));
        assertTrue(error.getText().contains("wrong API token"), error.getText());
        assertFalse(driver.findElement(By.id("nav")).isDisplayed());
        assertEquals(null, driver.manage().getCookieNamed(ConsoleRoutes.COOKIE));
    }

    @Test
    void theTokenLogsInWithAnHttpOnlySameSiteStrictExpiringCookie() {
        logIn();
        Cookie cookie = driver.manage().getCookieNamed(ConsoleRoutes.COOKIE);
        assertNotNull(cookie);
        assertTrue(cookie.isHttpOnly());
        assertEquals("Strict", cookie.getSameSite());
        assertNotNull(cookie.getExpiry(), "the cookie expires");
        assertFalse(String.valueOf(driver.executeScript("return document.cookie"))
                .contains(ConsoleRoutes.COOKIE), "scripts cannot read the session cookie");
        assertEquals("live", browser.await("the event feed connects",
                d -> d.findElement(By.id("live-status")).getText().equals("live") ? "live" : null));
    }

    @Test
    void theAddressBangerConsolePrintsLogsInOnceAndLeavesTheAddressBar() {
        StringWriter out = new StringWriter();
        int exit = BangerCli.commandLine(CliEnvironment.system(options -> { })).setOut(new PrintWriter(out))
                .setErr(new PrintWriter(new StringWriter()))
                .execute("console", "--no-open", "--url", daemon.base.toString(), "--state-dir", stateDir.toString());
        assertEquals(0, exit);
        String url = out.toString().strip();
        assertTrue(url.startsWith(daemon.base + "/#code="), url);
        driver.get(url);
        browser.visible(By.id("fleet-page"));
        assertFalse(driver.getCurrentUrl().contains("code="), driver.getCurrentUrl());

        loggedOut();
        driver.get(url);
        WebElement error = browser.visible(By.id("login-error"));
        assertTrue(error.getText().contains("already used or has expired"), error.getText());
    }

    @Test
    void aVmCreatedThroughTheApiAppearsOnTheFleetPageWithoutAReload() throws Exception {
        logIn();
        driver.executeScript("window.sameDocument = true");
        api("POST", "/v1/vms?wait=true", "{\"name\":\"appears\",\"labels\":{\"team\":\"ops\"}}");
        WebElement row = row("appears");
        browser.await("appears shows as running", d -> stateOf("appears").equals("running"));
        assertTrue(row.findElement(By.cssSelector("td.labels")).getText().contains("team=ops"));
        assertEquals(Boolean.TRUE, driver.executeScript("return window.sameDocument === true"), "no reload");
    }

    @Test
    void stopFromThePageChangesTheStateOnThePageAndInTheApi() throws Exception {
        api("POST", "/v1/vms?wait=true", "{\"name\":\"stoppable\"}");
        logIn();
        browser.await("stoppable is running", d -> stateOf("stoppable").equals("running"));
        row("stoppable").findElement(By.cssSelector("input.select")).click();
        driver.findElement(By.cssSelector("#fleet-page .toolbar button[data-action=stop]")).click();
        WebElement dialog = browser.visible(By.id("confirm"));
        assertTrue(dialog.getText().contains("stoppable"), dialog.getText());
        driver.findElement(By.id("confirm-ok")).click();
        browser.await("stoppable shows as stopped", d -> stateOf("stoppable").equals("stopped"));
        assertEquals("stopped", api("GET", "/v1/vms/stoppable", null).path("state").asText());
    }

    @Test
    void aVmDeletedThroughTheApiDisappearsFromTheFleetPage() throws Exception {
        api("POST", "/v1/vms?wait=true", "{\"name\":\"doomed\",\"start\":false}");
        logIn();
        row("doomed");
        api("DELETE", "/v1/vms/doomed?wait=true", null);
        browser.await("doomed leaves the page",
                d -> d.findElements(By.cssSelector("tr[data-vm-name='doomed']")).isEmpty());
    }

    @Test
    void aLabelWithMarkupIsShownAsTextAndRunsNothing() throws Exception {
        String markup = "<img src=x onerror=alert(1)>";
        api("POST", "/v1/vms?wait=true", JSON.writeValueAsString(Map.of("name", "marked",
                "labels", Map.of("note", markup))));
        logIn();
        WebElement labels = row("marked").findElement(By.cssSelector("td.labels"));
        assertEquals("note=" + markup, labels.getText());
        assertTrue(labels.findElements(By.tagName("img")).isEmpty(), "no element made from the label");
        driver.findElement(By.linkText("marked")).click();
        WebElement details = browser.visible(By.cssSelector("#vm-details dd[data-field=labels]"));
        assertEquals("note=" + markup, details.getText());
        assertTrue(driver.findElements(By.cssSelector("#app img")).isEmpty());
        assertThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
    }

    @Test
    void aRequestWithTheCookieButWithoutTheCsrfTokenIsRefused() throws Exception {
        api("POST", "/v1/vms?wait=true", "{\"name\":\"guarded\"}");
        logIn();
        Object refused = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/v1/vms/guarded/stop', {method: 'POST', credentials: 'same-origin'})
                  .then(async r => done(r.status + ' ' + (await r.json()).error.code));""");
        assertEquals("403 forbidden", refused);
        assertEquals("running", api("GET", "/v1/vms/guarded", null).path("state").asText());
        Object allowed = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/session').then(r => r.json()).then(s => fetch('/v1/vms/guarded/stop?wait=true',
                  {method: 'POST', credentials: 'same-origin', headers: {'X-CSRF-Token': s.csrf_token}}))
                  .then(r => done(r.status));""");
        assertEquals(200L, allowed);
        assertEquals("stopped", api("GET", "/v1/vms/guarded", null).path("state").asText());
    }

    @Test
    void theCreateFormFollowsItsOperationToTheEnd() throws Exception {
        logIn();
        driver.findElement(By.id("new-vm")).click();
        browser.visible(By.id("create-name")).sendKeys("formed");
        driver.findElement(By.id("create-labels")).sendKeys("env=dev");
        driver.findElement(By.id("create-submit")).click();
        browser.await("the operation succeeds",
                d -> d.findElement(By.id("create-op-state")).getText().equals("succeeded"));
        browser.await("formed is running", d -> stateOf("formed").equals("running"));
        assertEquals("dev", api("GET", "/v1/vms/formed", null).path("labels").path("env").asText());
    }

    @Test
    void theFleetPageCountsFiltersAndIsPhotographedForTheReadme() throws Exception {
        for (String vm : List.of(
                "{\"name\":\"web-1\",\"labels\":{\"team\":\"web\",\"env\":\"prod\"}}",
                "{\"name\":\"web-2\",\"labels\":{\"team\":\"web\",\"env\":\"prod\"},\"memory_mib\":512}",
                "{\"name\":\"ci-runner\",\"labels\":{\"team\":\"ci\"},\"vcpus\":2}",
                "{\"name\":\"scratch\",\"start\":false}")) {
            api("POST", "/v1/vms?wait=true", vm);
        }
        logIn();
        row("ci-runner");
        row("scratch");
        driver.findElement(By.id("label-filter")).sendKeys("team=web");
        browser.await("only team=web shows", d -> d.findElements(By.cssSelector("#fleet tbody tr")).size() == 2);
        erase(By.id("label-filter"));
        driver.findElement(By.id("search")).sendKeys("runner");
        browser.await("the search finds ci-runner", d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#fleet tbody tr"));
            return rows.size() == 1 && rows.get(0).getAttribute("data-vm-name").equals("ci-runner");
        });
        erase(By.id("search"));
        WebElement created = browser.visible(By.cssSelector("#counts button[data-state=created] .n"));
        assertTrue(Integer.parseInt(created.getText()) >= 1);
        browser.await("every VM shows again",
                d -> d.findElements(By.cssSelector("#fleet tbody tr")).size() >= 4);
        browser.screenshot(Path.of("docs", "console-fleet.png"));
    }

    @Test
    void theOperationsImagesAndHostPagesShowTheDaemonsAnswers() throws Exception {
        String operation = api("POST", "/v1/vms", "{\"name\":\"op-shown\",\"start\":false}").path("id").asText();
        logIn();
        driver.findElement(By.linkText("Operations")).click();
        browser.visible(By.cssSelector("#operations tr[data-operation-id='" + operation + "']"));
        driver.findElement(By.linkText("Images")).click();
        assertTrue(browser.visible(By.cssSelector("#images tr[data-image=tiny]")).getText().contains("64 MiB"));
        driver.findElement(By.linkText("Host")).click();
        browser.await("the figures from /metrics", d -> d.findElement(By.id("figure-vms")).getText().contains("VMs"));
        browser.visible(By.id("doctor"));
    }

    @Test
    void deletingAnImageFromTheImagesPageRemovesItsRowAndTheImage() throws Exception {
        registerImage("disposable");
        logIn();
        driver.findElement(By.linkText("Images")).click();
        WebElement row = imageRow("disposable");
        assertEquals("registered", row.findElement(By.cssSelector("td.source")).getText());
        row.findElement(By.cssSelector("button[data-action=delete]")).click();
        WebElement dialog = browser.visible(By.id("confirm"));
        assertTrue(dialog.getText().contains("disposable"), dialog.getText());
        driver.findElement(By.id("confirm-ok")).click();
        browser.await("disposable leaves the page",
                d -> d.findElements(By.cssSelector("#images tr[data-image='disposable']")).isEmpty());
        assertFalse(imageNames().contains("disposable"), "gone from the API too");
    }

    @Test
    void anImageDeleteTheApiRefusesShowsTheRefusalAndKeepsTheRow() throws Exception {
        registerImage("in-use");
        api("POST", "/v1/vms?wait=true", "{\"name\":\"uses-image\",\"image\":\"in-use\",\"start\":false}");
        logIn();
        driver.findElement(By.linkText("Images")).click();
        imageRow("in-use").findElement(By.cssSelector("button[data-action=delete]")).click();
        browser.visible(By.id("confirm"));
        driver.findElement(By.id("confirm-ok")).click();
        WebElement banner = browser.visible(By.id("banner"));
        assertTrue(banner.getText().contains("image in-use is used by VM uses-image"), banner.getText());
        assertTrue(imageRow("in-use").findElement(By.cssSelector("button[data-action=delete]")).isEnabled());
        assertTrue(imageNames().contains("in-use"));
    }

    @Test
    void aDeleteNotConfirmedDeletesNothing() throws Exception {
        registerImage("kept");
        logIn();
        driver.findElement(By.linkText("Images")).click();
        imageRow("kept").findElement(By.cssSelector("button[data-action=delete]")).click();
        browser.visible(By.id("confirm"));
        driver.findElement(By.id("confirm-cancel")).click();
        browser.await("the dialog closes", d -> !d.findElement(By.id("confirm")).isDisplayed());
        imageRow("kept");
        assertTrue(imageNames().contains("kept"));
    }

    @Test
    void thePullFormFollowsItsOperationAndListsThePulledImageWithItsSource() throws Exception {
        String ref = "registry.test:5000/tests/busybox:1.36";
        logIn();
        driver.findElement(By.linkText("Images")).click();
        browser.visible(By.id("pull-ref")).sendKeys(ref);
        driver.findElement(By.id("pull-name")).sendKeys("pulled");
        driver.findElement(By.id("pull-submit")).click();
        browser.await("the pull succeeds", d -> d.findElement(By.id("pull-op-state")).getText().equals("succeeded"));
        String progress = driver.findElement(By.id("pull-op-progress")).getText();
        // the last progress seen while it ran (the stand-in pull takes two seconds, the page looks every second)
        assertTrue(progress.matches("(downloading|applying): \\d\\.0 MiB of 2\\.0 MiB fetched, \\d/2 layers applied"),
                progress);
        WebElement source = imageRow("pulled").findElement(By.cssSelector("td.source"));
        assertEquals("oci " + ref + "@0123456789ab…", source.getText());
        assertEquals("32 MiB", imageRow("pulled").findElement(By.cssSelector("td.size")).getText());

        JsonNode image = imagesByName().get("pulled");
        assertNotNull(image, "the daemon registered the pulled image");
        assertEquals("oci:" + ref + "@sha256:" + "0123456789abcdef".repeat(4), image.path("source").asText());
        assertEquals(source.getAttribute("title"), image.path("source").asText());
        boolean pullOperation = false;
        for (JsonNode op : api("GET", "/v1/operations", null).path("operations")) {
            pullOperation |= op.path("kind").asText().equals("pull_image") && op.path("image").asText().equals("pulled")
                    && op.path("state").asText().equals("succeeded");
        }
        assertTrue(pullOperation, "the daemon ran a pull operation for it");
    }

    @Test
    void aPullCancelledFromTheFormEndsCancelledAndMakesNoImage() throws Exception {
        logIn();
        driver.findElement(By.linkText("Images")).click();
        browser.visible(By.id("pull-ref")).sendKeys("registry.test:5000/tests/busybox:cancelled");
        driver.findElement(By.id("pull-name")).sendKeys("never-pulled");
        driver.findElement(By.id("pull-submit")).click();
        browser.visible(By.id("pull-cancel")).click();
        browser.await("the pull is cancelled",
                d -> d.findElement(By.id("pull-op-state")).getText().equals("cancelled"));
        assertFalse(driver.findElement(By.id("pull-cancel")).isDisplayed());
        assertFalse(imageNames().contains("never-pulled"));
        assertTrue(driver.findElements(By.cssSelector("#images tr[data-image='never-pulled']")).isEmpty());
    }

    /** Last: it stops the daemon. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aDaemonThatWentAwayShowsAsUnreachable() throws Exception {
        api("POST", "/v1/vms?wait=true", "{\"name\":\"orphaned\"}");
        logIn();
        row("orphaned").findElement(By.cssSelector("input.select")).click();
        LocalDaemon stopped = daemon;
        daemon = null;
        stopped.stop();
        browser.await("the live feed notices", d -> d.findElement(By.id("live-status")).getText().startsWith("reconnecting"));
        driver.findElement(By.cssSelector("#fleet-page .toolbar button[data-action=restart]")).click();
        driver.findElement(By.id("confirm-ok")).click();
        WebElement banner = browser.visible(By.id("banner"));
        assertTrue(banner.getText().contains("Cannot reach the banger daemon"), banner.getText());
    }

    // ---- helpers

    private static void logIn() {
        driver.get(daemon.base + "/");
        browser.visible(By.id("login-token")).sendKeys(daemon.token);
        driver.findElement(By.id("login-submit")).click();
        browser.visible(By.id("fleet-page"));
    }

    /** Empties an input the way a user does, so its input event fires. */
    private static void erase(By input) {
        driver.findElement(input).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    }

    private static WebElement row(String name) {
        return browser.visible(By.cssSelector("tr[data-vm-name='" + name + "']"));
    }

    private static String stateOf(String name) {
        List<WebElement> cells = driver.findElements(By.cssSelector("tr[data-vm-name='" + name + "'] td.state"));
        return cells.isEmpty() ? "" : cells.get(0).getText();
    }

    private static WebElement imageRow(String name) {
        return browser.visible(By.cssSelector("#images tr[data-image='" + name + "']"));
    }

    /** Registers stand-in host files (a kernel, a file with the ext4 magic) as image {@code name}. */
    private static void registerImage(String name) throws Exception {
        Path dir = Files.createDirectories(stateDir.resolve("host-files").resolve(name));
        Path kernel = Files.write(dir.resolve("vmlinuz"), new byte[] {1});
        byte[] ext4 = new byte[4096];
        ext4[1024 + 56] = 0x53;
        ext4[1024 + 57] = (byte) 0xEF;
        Path rootfs = Files.write(dir.resolve("rootfs.ext4"), ext4);
        api("POST", "/v1/images", JSON.writeValueAsString(Map.of("name", name, "os", "tiny",
                "kernel", kernel.toString(), "rootfs", rootfs.toString())));
    }

    private static Map<String, JsonNode> imagesByName() throws Exception {
        Map<String, JsonNode> images = new java.util.HashMap<>();
        api("GET", "/v1/images", null).path("images").forEach(i -> images.put(i.path("name").asText(), i));
        return images;
    }

    private static java.util.Set<String> imageNames() throws Exception {
        return imagesByName().keySet();
    }

    private static JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(daemon.base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + daemon.token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() < 300, method + " " + path + ": " + response.statusCode() + " " + response.body());
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("banger-console-test");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
