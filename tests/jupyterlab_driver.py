"""JupyterLab 4 in a real browser, as a student uses it: a private server and a Chromium driven by Selenium.

``LabServer`` runs ``jupyter lab`` on 127.0.0.1 with its own config, data, runtime and IPython
folders and nothing that reaches the network (news, update checks, the extension manager's PyPI
listing). ``Student`` drives a headless Chromium through that server: open a notebook, run its cells
one by one with Shift+Enter, save with Ctrl+S, take a screenshot.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
JUPYTER = Path(sys.executable).parent / "jupyter"
WINDOW = (1400, 1000)
CELL_TIMEOUT = 180          # seconds one cell may run (the solutions' training cells take a few)
PAGE_TIMEOUT = 120          # seconds for JupyterLab to load a notebook and start its kernel

# Server options that keep JupyterLab off the network.
OFFLINE_SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,                                            # no Jupyter news feed
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",                             # no PyPI listing or pip
    },
    "ServerApp": {"port_retries": 0},                                # fail rather than move port
}
# The same in the browser's settings, so the front end never asks for them either.
OFFLINE_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}
# Variables of the caller's environment that would point the server at other Jupyter folders.
FOREIGN_JUPYTER_VARIABLES = ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_DIR", "JUPYTERLAB_SETTINGS_DIR",
                             "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_TOKEN")
# The discard port as every proxy: a client that honours the proxy variables (pip, urllib, requests)
# fails at once instead of going out. Tornado's client ignores them: the options above keep it home.
UNREACHABLE_PROXY = "http://127.0.0.1:9"


def missing_browser_parts():
    """The browser parts this module needs that are not installed, as a sentence (None if none)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return None
    return ("%s not found: install the Debian packages chromium and chromium-driver "
            "(`make test` installs them as root)" % " and ".join(missing))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """A ``jupyter lab`` process serving ``self.root``, isolated from the user's Jupyter folders."""

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="jupyterlab-test-"))
        self.root = self.home / "root"
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = self.home / "server.log"
        self.process = None

    def environment(self):
        env = {name: value for name, value in os.environ.items() if name not in FOREIGN_JUPYTER_VARIABLES}
        for name, folder in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                             ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                             ("MPLCONFIGDIR", "matplotlib")):
            env[name] = str(self.home / folder)
        env.update(http_proxy=UNREACHABLE_PROXY, https_proxy=UNREACHABLE_PROXY, HTTP_PROXY=UNREACHABLE_PROXY,
                   HTTPS_PROXY=UNREACHABLE_PROXY, no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost",
                   PYTHONUNBUFFERED="1")
        return env

    def write_config(self):
        config = self.home / "config"
        for folder in (self.root, config, self.home / "data", self.home / "runtime", self.home / "ipython",
                       self.home / "matplotlib"):
            folder.mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.json").write_text(json.dumps(OFFLINE_SERVER_CONFIG, indent=1))
        for plugin, values in OFFLINE_USER_SETTINGS.items():
            path = config / "lab" / "user-settings" / (plugin + ".jupyterlab-settings")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def start(self):
        self.write_config()
        command = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", "--port=%d" % self.port,
                   "--IdentityProvider.token=" + self.token, "--ServerApp.root_dir=" + str(self.root)]
        if os.geteuid() == 0:
            command.append("--allow-root")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.home, env=self.environment(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until_ready()

    def wait_until_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("jupyter lab exited with status %s:\n%s" % (self.process.returncode, self.log()))
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise RuntimeError("jupyter lab did not answer within %d s:\n%s" % (timeout, self.log()))

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def api(self, method, path, body=None):
        """Call the server's REST API directly (no proxy); the decoded JSON answer, or None."""
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "token " + self.token})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def lab_url(self, relative_path):
        """The address that opens ``relative_path`` (under ``self.root``) in JupyterLab."""
        return "%s/lab/tree/%s?reset&token=%s" % (self.url, quote(str(relative_path)), self.token)

    def shut_down_kernels(self):
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", "/api/sessions/%s" % session["id"])

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            try:
                self.api("POST", "/api/shutdown")
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def chrome_options():
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--window-size=%d,%d" % WINDOW, "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):   # no name resolves
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")    # Chromium refuses to run as root inside its sandbox
    return options


def start_browser():
    """A headless Chromium driven through the system chromedriver; selenium-manager never downloads."""
    os.environ["SE_OFFLINE"] = "true"
    return webdriver.Chrome(options=chrome_options(), service=Service(str(CHROMEDRIVER)))


# The notebook JupyterLab shows, and its cells, as the page's script sees them.
SHOWN_NOTEBOOK = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
CELLS = "Array.from(%s.querySelectorAll('.jp-Notebook .jp-Cell'))" % SHOWN_NOTEBOOK


class Student:
    """What a student does in JupyterLab, through ``browser`` (a Selenium driver) on ``server``."""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server

    def script(self, code, *arguments):
        return self.browser.execute_script(code, *arguments)

    def wait_for(self, condition, timeout, what):
        """Poll ``condition()`` until it is true; fail with ``what`` (and the page's state) after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("JupyterLab: %s did not happen within %d s (kernel %s)"
                                   % (what, timeout, self.kernel_status()))
            time.sleep(0.1)

    def kernel_status(self):
        return self.script("var panel = %s; if (!panel) return null;"
                           " var shown = panel.querySelector('.jp-Notebook-ExecutionIndicator');"
                           " return shown && shown.getAttribute('data-status');" % SHOWN_NOTEBOOK)

    def cell_count(self):
        return self.script("return %s.length" % CELLS)

    def open_notebook(self, relative_path, cells):
        """Load JupyterLab on ``relative_path`` and wait until its ``cells`` cells show and the kernel is idle."""
        self.browser.get(self.server.lab_url(relative_path))
        self.wait_for(lambda: self.script("return !!%s" % SHOWN_NOTEBOOK) and self.cell_count() == cells,
                      PAGE_TIMEOUT, "showing the %d cells of %s" % (cells, relative_path))
        self.wait_for(lambda: self.kernel_status() == "idle", PAGE_TIMEOUT, "starting the kernel")

    def active_cell(self):
        """The index of the active cell (the one Shift+Enter runs), or -1."""
        return self.script("return %s.findIndex(cell => cell.classList.contains('jp-mod-active'))" % CELLS)

    def prompt(self, index):
        return self.script("var prompt = %s[arguments[0]].querySelector('.jp-InputPrompt');"
                           " return prompt && prompt.textContent.trim();" % CELLS, index)

    def press(self, modifier, key):
        ActionChains(self.browser).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def select_first_cell(self):
        """Click the first cell's prompt and leave edit mode: the notebook has the focus, cell 1 is active."""
        self.script("%s[0].scrollIntoView()" % CELLS)
        self.browser.find_element(By.CSS_SELECTOR,
                                  ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .jp-InputPrompt").click()
        self.browser.switch_to.active_element.send_keys(Keys.ESCAPE)
        self.wait_for(lambda: self.active_cell() == 0, 10, "selecting the first cell")

    def run_every_cell(self, cells):
        """Run ``cells`` (the notebook's cells, nbformat nodes) one by one as a student does: Shift+Enter on
        each, waiting for a code cell to finish before the next, and Ctrl+Enter on the last one (Shift+Enter
        would add a cell). Waiting matters: a cell that fails makes the kernel drop the cells queued after it
        (JupyterLab sends every execution with stop_on_error, so Run All stops at the first error)."""
        self.select_first_cell()
        for index, cell in enumerate(cells):
            self.wait_for(lambda: self.active_cell() == index, 10, "moving to cell %d" % (index + 1))
            last = index == len(cells) - 1
            self.press(Keys.CONTROL if last else Keys.SHIFT, Keys.ENTER)
            if cell.cell_type == "code" and cell.source.strip():
                self.wait_for(lambda: re.fullmatch(r"\[\d+\]:", self.prompt(index) or ""), CELL_TIMEOUT,
                              "running cell %d" % (index + 1))
        self.wait_for(lambda: self.kernel_status() == "idle", CELL_TIMEOUT, "the kernel going idle")

    def save(self, path):
        """Ctrl+S, then wait until JupyterLab no longer marks the notebook modified and ``path`` changed on disk."""
        before = path.stat().st_mtime_ns
        self.press(Keys.CONTROL, "s")
        self.wait_for(lambda: path.stat().st_mtime_ns != before and not self.script(
            "return !!document.querySelector('.jp-mod-current.jp-mod-dirty')"), 60, "saving %s" % path.name)

    def page_config(self):
        """The configuration the server gave JupyterLab's page (its ``jupyter-config-data``), after loading it."""
        self.browser.get("%s/lab?reset&token=%s" % (self.server.url, self.server.token))
        self.wait_for(lambda: self.script("return !!document.getElementById('jupyter-config-data')"), PAGE_TIMEOUT,
                      "loading JupyterLab")
        return self.script("return JSON.parse(document.getElementById('jupyter-config-data').textContent)")

    def toolbar_items(self):
        """The labels on the notebook's toolbar (nbgrader's extension adds "Validate")."""
        return self.script("return Array.from(%s.querySelectorAll('.jp-NotebookPanel-toolbar .jp-Toolbar-item'))"
                           ".map(item => item.textContent.trim()).filter(text => text)" % SHOWN_NOTEBOOK)

    def requests_outside(self, origin):
        """Addresses the page has fetched from anywhere but ``origin`` since it was loaded."""
        return self.script("return performance.getEntriesByType('resource').map(entry => entry.name)"
                           ".filter(name => !name.startsWith(arguments[0] + '/'))", origin)

    def screenshot(self, cell_index, path):
        """Scroll until the end of cell ``cell_index``'s output (where a check prints its verdict or its
        error) is at the bottom of the notebook, then save the window as a PNG at ``path``."""
        output = "%s[arguments[0]].querySelector('.jp-Cell-outputArea')" % CELLS
        self.script("%s.scrollIntoView({block: 'end'})" % output, cell_index)
        self.wait_for(lambda: self.script("var box = %s.getBoundingClientRect();"
                                          " return box.height > 0 && box.bottom > 0 && box.bottom <= innerHeight"
                                          % output, cell_index),
                      10, "scrolling the output of cell %d into view" % (cell_index + 1))
        time.sleep(0.3)    # let the scrolled cells paint
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.browser.save_screenshot(str(path)):
            raise RuntimeError("the browser could not save a screenshot to %s" % path)

    def validate(self, timeout=120):
        """Click nbgrader's Validate button on the toolbar; the text of the dialog it opens, which is then closed."""
        self.script("Array.from(%s.querySelectorAll('.jp-NotebookPanel-toolbar .jp-Toolbar-item'))"
                    ".find(item => item.textContent.trim() === 'Validate').querySelector('jp-button').click()"
                    % SHOWN_NOTEBOOK)
        text = self.wait_for(lambda: self.script(
            "var body = document.querySelector('.jp-Dialog .jp-Dialog-body');"
            " return body && body.textContent.trim()"), timeout, "the Validate dialog")
        self.script("document.querySelector('.jp-Dialog .jp-Dialog-button.jp-mod-accept, "
                    ".jp-Dialog .jp-Dialog-button').click()")
        self.wait_for(lambda: not self.script("return !!document.querySelector('.jp-Dialog')"), 10,
                      "closing the Validate dialog")
        return text

