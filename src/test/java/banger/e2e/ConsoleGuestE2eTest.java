package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.HeadlessChromium;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The console's VM page over one real tiny guest on the real daemon: its serial console follows the boot live, its
 * exec box runs a command in the guest, its sessions pane starts sessions, follows their output, writes their stdin
 * and attaches a terminal (xterm.js over the attach WebSocket), its workspace pane shows none and then one.
 * Photographs the VM page for the README. The last test kills the guest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleGuestE2eTest extends TinyDaemonE2eTest {

    /** For what the guest does (sessions start over SSH, output is polled): generous, the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** What the tty test's shell prints: its terminal. */
    private static final Pattern ON_PTS = Pattern.compile("on=(/dev/pts/\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HeadlessChromium browser;
    private E2eVm vm;

    ConsoleGuestE2eTest() {
        super("console");
    }

    @BeforeAll
    void bootGuestAndBrowser() {
        vm = E2eVm.of(daemon.expect(201, daemon.post("/v1/vms?wait=true", Map.of("name", "console-demo",
                "image", "tiny", "labels", Map.of("team", "ops", "env", "demo")))).json());
        browser = HeadlessChromium.start();
        String path = daemon.expect(201, daemon.post("/v1/console/codes", null)).json().path("path").asText();
        browser.driver().get(daemon.uri(path).toString());
        browser.visible(By.id("fleet-page"));
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    @Order(1)
    void theVmPageFollowsTheGuestsSerialConsoleAndRunsCommandsInIt() {
        WebDriver driver = openVmPage();
        browser.await("the guest's boot shows on the console page", WAIT, d ->
                d.findElement(By.id("vm-console")).getText().contains("banger-guest-ready"));
        assertEquals("running", browser.visible(By.id("vm-state")).getText());

        browser.visible(By.id("exec-argv")).sendKeys("uname -sr");
        driver.findElement(By.id("exec-run")).click();
        assertEquals("0", browser.await("the command's exit code", WAIT,
                d -> d.findElements(By.id("exec-exit")).isEmpty() ? null : d.findElement(By.id("exec-exit")).getText()));
        String stdout = driver.findElement(By.id("exec-stdout")).getText();
        assertTrue(stdout.startsWith("Linux "), stdout);
        browser.await("the history shows the start", WAIT,
                d -> d.findElement(By.id("vm-history")).getText().contains("Started"));
    }

    @Test
    @Order(2)
    void theWorkspacePaneSaysClearlyThatThereIsNoWorkspace() {
        openVmPage();
        String empty = browser.visible(By.id("workspace-empty")).getText();
        assertTrue(empty.startsWith("No workspace in this VM."), empty);
        assertTrue(empty.contains("no workspace has been prepared in VM console-demo"), empty);
    }

    @Test
    @Order(3)
    void aSessionStartedFromThePageShowsItsOutputWhileItRunsAndTakesInput() {
        WebDriver driver = openVmPage();
        startSession("live", "sh -c 'echo waiting for a line; read line; echo \"got: $line\"'");
        // the process is blocked on its stdin: what shows came while it runs
        browser.await("the session's first line, followed live", WAIT, d ->
                d.findElement(By.id("session-output")).getText().contains("waiting for a line"));
        assertEquals("running", sessionState("live"));
        browser.await("the session's row says running", WAIT, d -> stateCell(d, "live").equals("running"));

        driver.findElement(By.id("session-input")).sendKeys("<b>not bold</b>");
        driver.findElement(By.id("session-send")).click();
        browser.await("the session's answer to its input", WAIT, d ->
                d.findElement(By.id("session-output")).getText().contains("got: <b>not bold</b>"));
        assertTrue(driver.findElements(By.cssSelector("#session-output b")).isEmpty(), "output is text, not HTML");
        browser.await("the row shows the exit once the session ends", WAIT,
                d -> stateCell(d, "live").equals("exited 0"));
        assertEquals("ended", browser.await("the follow ends with the session", WAIT, d -> {
            String status = d.findElement(By.id("session-follow-status")).getText();
            return status.equals("ended") ? status : null;
        }));
    }

    @Test
    @Order(4)
    void catEchoesWhatTheInputBoxSendsAndEndsOnEndOfInput() {
        WebDriver driver = openVmPage();
        startSession("echo", "cat");
        browser.await("the cat session runs", WAIT, d -> stateCell(d, "echo").equals("running"));
        driver.findElement(By.id("session-input")).sendKeys("hello from the page");
        driver.findElement(By.id("session-send")).click();
        browser.await("cat echoes the line", WAIT, d ->
                d.findElement(By.id("session-output")).getText().contains("hello from the page"));
        driver.findElement(By.id("session-eof")).click();
        browser.await("cat exits on end of input", WAIT, d -> stateCell(d, "echo").equals("exited 0"));
        assertEquals("hello from the page\n", output("echo"));
    }

    @Test
    @Order(5)
    void aTerminalAttachedToASessionShowsWhatIsTypedEchoedByTheGuest() {
        WebDriver driver = openVmPage();
        startSession("term", "cat");
        browser.await("the cat session runs", WAIT, d -> stateCell(d, "term").equals("running"));
        WebElement keyboard = attachTerminal(driver);
        keyboard.sendKeys("typed-into-xterm");
        keyboard.sendKeys(Keys.ENTER);
        browser.await("the guest's echo shows in the terminal", WAIT,
                d -> terminalText(d).contains("typed-into-xterm"));
        // Enter reached the process as a newline: a session without a tty has no terminal to translate it
        DaemonHarness.await("the session's stdin got the typed line", WAIT,
                () -> output("term").equals("typed-into-xterm\n"));
    }

    @Test
    @Order(6)
    void theWorkspacePaneShowsAPreparedWorkspaceAsItIsPrepared() throws Exception {
        WebDriver driver = openVmPage();
        browser.visible(By.id("workspace-empty"));
        byte[] tar = tar(Map.of("README", "a workspace\n", "src/main.c", "int main(void) { return 0; }\n"));
        HttpResponse<String> prepared = http.send(HttpRequest.newBuilder(
                        daemon.uri("/v1/vms/" + vm.id() + "/workspace?path=/root/work"))
                .header("Authorization", "Bearer " + daemon.token()).header("Content-Type", "application/x-tar")
                .timeout(WAIT).PUT(HttpRequest.BodyPublishers.ofByteArray(tar)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, prepared.statusCode(), prepared.body());
        // the page hears WorkspacePrepared on the event stream and shows it without a reload
        browser.await("the workspace pane shows the prepared tree", WAIT, d ->
                !d.findElements(By.cssSelector("#workspace-details dd[data-field='guest path']")).isEmpty());
        assertEquals("/root/work", field(driver, "guest path"));
        assertEquals("2", field(driver, "files"));
    }

    @Test
    @Order(7)
    void photographTheVmPageWithItsSessions() {
        WebDriver driver = openVmPage();
        browser.await("the sessions list", WAIT, d -> stateCell(d, "echo").equals("exited 0"));
        driver.findElement(By.cssSelector("#sessions tr[data-session='" + sessionId("term")
                + "'] button[data-action='open']")).click();
        browser.await("the term session's output", WAIT, d ->
                d.findElement(By.id("session-output")).getText().contains("typed-into-xterm"));
        driver.findElement(By.id("session-attach")).click();
        browser.await("the terminal replays the session's output", WAIT,
                d -> terminalText(d).contains("typed-into-xterm"));
        browser.await("the guest's boot on the console", WAIT, d ->
                d.findElement(By.id("vm-console")).getText().contains("banger-guest-ready"));
        Dimension before = driver.manage().window().getSize();
        try {
            driver.manage().window().setSize(new Dimension(1400, 1900));
            ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
            browser.await("the page laid out at its new size", WAIT,
                    d -> d.findElement(By.id("sessions-pane")).isDisplayed());
            browser.screenshot(Path.of("docs", "console-vm.png"));
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    @Test
    @Order(8)
    void aTtySessionInTheTerminalRunsOnAPtyAsTallAsTheTerminal() {
        WebDriver driver = openVmPage();
        driver.findElement(By.id("session-tty")).click();
        startSession("shell", "sh");
        browser.await("the tty session runs", WAIT, d -> stateCell(d, "shell").equals("running"));
        WebElement keyboard = attachTerminal(driver);
        keyboard.sendKeys("echo on=$(tty)");
        keyboard.sendKeys(Keys.ENTER);
        String pts = browser.await("the shell names its terminal", WAIT, d -> {
            Matcher m = ON_PTS.matcher(terminalText(d));
            return m.find() ? m.group(1) : null;
        });
        long rows = (Long) ((JavascriptExecutor) driver).executeScript(
                "return document.querySelectorAll('#session-terminal .xterm-rows > div').length;");
        // the size the terminal sent on attach reaches the pty over its own SSH call, not in line with the keys
        DaemonHarness.await("the pty takes the terminal's " + rows + " rows", WAIT, () -> daemon.exec(vm.id(), "stty",
                "-F", pts, "size").path("stdout").asText().startsWith(rows + " "));
        keyboard.sendKeys("echo rows=$(stty size)");
        keyboard.sendKeys(Keys.ENTER);
        browser.await("the shell sees the same rows", WAIT, d -> terminalText(d).contains("rows=" + rows + " "));
        keyboard.sendKeys("exit 3");
        keyboard.sendKeys(Keys.ENTER);
        browser.await("the row shows the shell's exit", WAIT, d -> stateCell(d, "shell").equals("exited 3"));
    }

    @Test
    @Order(9)
    void sessionsOnAKilledVmShowTheApisRefusal() {
        WebDriver driver = openVmPage();
        daemon.action(vm.id(), "kill");
        browser.await("the page sees the VM stopped", WAIT,
                d -> d.findElement(By.id("vm-state")).getText().equals("stopped"));
        String refusal = daemon.send("POST", "/v1/vms/" + vm.id() + "/sessions", "{\"argv\":[\"true\"]}", true)
                .json().path("error").path("message").asText();
        assertTrue(!refusal.isEmpty(), "the API refuses a session on a stopped VM with a message");
        driver.findElement(By.id("session-argv")).sendKeys("true");
        driver.findElement(By.id("session-start")).click();
        browser.await("the pane shows the API's refusal: " + refusal, WAIT, d -> {
            WebElement error = d.findElement(By.id("sessions-error"));
            return error.isDisplayed() && error.getText().equals(refusal);
        });
    }

    // ---- helpers

    /** A fresh load of the VM page (the cookie keeps the login), not what the last test left. */
    private WebDriver openVmPage() {
        WebDriver driver = browser.driver();
        driver.get("about:blank");
        driver.get(daemon.uri("/#/vm/" + vm.id()).toString());
        browser.visible(By.id("sessions-pane"));
        return driver;
    }

    /** Attaches the selected session in the terminal; answers the terminal's keyboard input. */
    private WebElement attachTerminal(WebDriver driver) {
        driver.findElement(By.id("session-attach")).click();
        browser.await("the terminal attaches", WAIT, d ->
                d.findElement(By.id("session-terminal-status")).getText().equals("attached"));
        return browser.await("the terminal's keyboard input", WAIT, d -> d.findElements(
                By.cssSelector("#session-terminal .xterm-helper-textarea")).stream().findFirst().orElse(null));
    }

    private void startSession(String name, String command) {
        WebDriver driver = browser.driver();
        browser.visible(By.id("session-argv")).sendKeys(command);
        driver.findElement(By.id("session-name")).sendKeys(name);
        driver.findElement(By.id("session-start")).click();
        browser.await("session " + name + " is selected on the page", WAIT, d -> {
            String id = sessionIdOrNull(name);
            return id != null && !d.findElements(By.cssSelector("#sessions tr.selected[data-session='" + id + "']"))
                    .isEmpty();
        });
    }

    private static String stateCell(WebDriver d, String name) {
        List<WebElement> rows = d.findElements(By.cssSelector("#sessions tr[data-session]"));
        for (WebElement row : rows) {
            if (row.findElement(By.tagName("td")).getText().equals(name)) {
                return row.findElement(By.cssSelector("[data-field='state']")).getText();
            }
        }
        return "";
    }

    /** What the terminal's rows show (read from the DOM, whether or not they are scrolled into view). */
    private static String terminalText(WebDriver d) {
        Object text = ((JavascriptExecutor) d).executeScript(
                "const rows = document.querySelector('#session-terminal .xterm-rows');"
                        + " return rows ? rows.textContent : '';");
        return text == null ? "" : text.toString();
    }

    private static String field(WebDriver d, String name) {
        return d.findElement(By.cssSelector("#workspace-details dd[data-field='" + name + "']")).getText();
    }

    private String sessionsPath() {
        return "/v1/vms/" + vm.id() + "/sessions";
    }

    private String sessionIdOrNull(String name) {
        ApiResponse found = daemon.get(sessionsPath() + "/" + name);
        return found.status() == 200 ? found.json().path("id").asText() : null;
    }

    private String sessionId(String name) {
        return daemon.expect(200, daemon.get(sessionsPath() + "/" + name)).json().path("id").asText();
    }

    private String sessionState(String name) {
        return daemon.expect(200, daemon.get(sessionsPath() + "/" + name)).json().path("state").asText();
    }

    private String output(String name) {
        return daemon.expect(200, daemon.get(sessionsPath() + "/" + name + "/output")).text();
    }

    private static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buffer)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return buffer.toByteArray();
    }
}
