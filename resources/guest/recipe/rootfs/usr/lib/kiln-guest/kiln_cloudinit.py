"""cloud-init for the Kiln test guest.

A small, fast stand-in for cloud-init that follows its behaviour for what image builds rely on: the
NoCloud datasource (kernel command line or SMBIOS `ds=nocloud[-net];s=URL`, a seed directory under
/var/lib/cloud/seed, or a file system labelled `cidata`), per-instance and per-boot module frequencies,
the instance state under /var/lib/cloud, and these modules: bootcmd, write_files, set_hostname,
update_etc_hosts, users_groups, ssh, set_passwords, scripts (per-boot, per-instance, per-once, user),
runcmd, final_message and power_state_change. Other user-data keys are logged as unsupported.

The same file answers as `cloud-init` and `cloud-id` (hard links): `cloud-init init`,
`cloud-init modules --mode final`, `cloud-init status [--wait] [--long]`,
`cloud-init clean [--logs] [--machine-id] [--seed] [-r]`, `cloud-init --version`.
"""

import os
import sys
import time

import miniyaml as yaml

# Everything else is imported where it is needed: under an emulator each import of json, subprocess,
# urllib, email or crypt costs a noticeable part of a second, and most boots need none of them.

VERSION = "23.1-kiln"
CLOUD_DIR = "/var/lib/cloud"
RUN_DIR = "/run/cloud-init"
LOG_FILE = "/var/log/cloud-init.log"
OUTPUT_LOG = "/var/log/cloud-init-output.log"
SEED_MOUNT = "/run/cloud-init/seed"
NONE_INSTANCE = "iid-datasource-none"


# ---------------------------------------------------------------------------------------------------
# Logging and small helpers


def log(level, message):
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + ",%03d" % (now % 1 * 1000)
    line = f"{stamp} - cloud-init[{level}]: {message}\n"
    try:
        with open(LOG_FILE, "a") as f:
            f.write(line)
    except OSError:
        pass
    if level in ("WARNING", "ERROR"):
        console(f"cloud-init: {level}: {message}")


def console(message):
    try:
        with open("/dev/console", "w") as f:
            f.write(message + "\n")
    except OSError:
        sys.stderr.write(message + "\n")


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def write(path, content, mode=0o644, append=False):
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    data = content if isinstance(content, bytes) else content.encode()
    with open(path, "ab" if append else "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def load_yaml(text, what):
    try:
        value = yaml.safe_load(text) if text else None
    except yaml.YAMLError as err:
        log("WARNING", f"{what} is not valid YAML: {err}")
        return {}
    if value is None:
        return {}
    if not isinstance(value, dict):
        log("WARNING", f"{what} is not a mapping; ignoring it")
        return {}
    return value


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def truthy(value, default=False):
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


class Result:
    def __init__(self, returncode, stdout=""):
        self.returncode = returncode
        self.stdout = stdout


def run(argv, capture_output=False, env=None, **_ignored):
    """Runs a command and waits; with capture_output its stdout comes back as text (stderr is
    dropped). posix_spawn instead of subprocess, which is slow to import under an emulator."""
    actions = []
    reader = None
    if capture_output:
        reader, writer = os.pipe()
        devnull = os.open("/dev/null", os.O_WRONLY)
        actions = [(os.POSIX_SPAWN_DUP2, writer, 1), (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_CLOSE, reader)]
    try:
        pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ, file_actions=actions)
    except OSError as err:
        if reader is not None:
            os.close(reader)
            os.close(writer)
            os.close(devnull)
        log("WARNING", f"cannot run {argv[0]}: {err}")
        return Result(127)
    output = b""
    if reader is not None:
        os.close(writer)
        os.close(devnull)
        while True:
            chunk = os.read(reader, 65536)
            if not chunk:
                break
            output += chunk
        os.close(reader)
    _, status = os.waitpid(pid, 0)
    return Result(os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace"))


def entries(directory, suffix=""):
    """Sorted paths in a directory whose names end with suffix (glob without importing glob)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith(suffix)]


def to_json(value, indent=0):
    """JSON for the state files (json's import compiles regular expressions: slow when emulated)."""
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = ",\n".join(f"{pad}{to_json(str(k))}: {to_json(v, indent + 1)}" for k, v in value.items())
        return "{\n" + body + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + to_json(v, indent + 1) for v in value) + "\n" + " " * indent + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    out = []
    for c in str(value):
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def shell_quote(word):
    safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_"
    if word and all(c in safe for c in word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def uptime():
    return (read("/proc/uptime", "0 0").split() or ["0"])[0]


# ---------------------------------------------------------------------------------------------------
# The NoCloud datasource


def parse_ds_spec(text):
    """`ds=nocloud;s=URL;h=host;i=iid` (kernel command line or SMBIOS serial) → dict or None."""
    for token in text.split():
        if not token.startswith("ds="):
            continue
        parts = token[3:].split(";")
        if parts[0] not in ("nocloud", "nocloud-net"):
            continue
        spec = {"kind": parts[0]}
        for part in parts[1:]:
            key, _, value = part.partition("=")
            key = {"s": "seedfrom", "h": "local-hostname", "i": "instance-id"}.get(key, key)
            spec[key] = value
        return spec
    return None


def fetch_seed(url):
    if not url.endswith("/"):
        url += "/"
    if url.startswith("file://") or url.startswith("/"):
        base = url[len("file://"):] if url.startswith("file://") else url
        return {name: read(os.path.join(base, name)) for name in ("meta-data", "user-data", "vendor-data", "network-config")}
    import urllib.error
    import urllib.request

    found = {}
    for name in ("meta-data", "user-data", "vendor-data", "network-config"):
        deadline = time.time() + (30 if name == "meta-data" else 5)
        while True:
            try:
                with urllib.request.urlopen(url + name, timeout=5) as response:
                    found[name] = response.read().decode("utf-8", "replace")
                break
            except urllib.error.HTTPError as err:
                log("DEBUG", f"{url}{name}: HTTP {err.code}")
                break
            except (OSError, urllib.error.URLError) as err:
                if time.time() > deadline:
                    log("WARNING", f"cannot fetch {url}{name}: {err}")
                    break
                time.sleep(0.5)
    return found


def find_labelled_seed():
    for label in ("cidata", "CIDATA"):
        result = run(["findfs", f"LABEL={label}"], capture_output=True, text=True)
        device = result.stdout.strip()
        if result.returncode == 0 and device:
            return device
    return None


def mount_seed(device):
    os.makedirs(SEED_MOUNT, exist_ok=True)
    for fstype in ("iso9660", "vfat"):
        if run(["mount", "-t", fstype, "-o", "ro", device, SEED_MOUNT], capture_output=True).returncode == 0:
            return True
    return False


def read_datasource():
    """Returns (name, files) where files maps meta-data/user-data/... to their text."""
    cmdline = read("/proc/cmdline", "")
    serial = read("/sys/class/dmi/id/product_serial", "") or ""
    spec = parse_ds_spec(cmdline) or parse_ds_spec(serial.replace(" ", ""))
    if spec and spec.get("seedfrom"):
        log("INFO", f"NoCloud seed from {spec['seedfrom']}")
        files = fetch_seed(spec["seedfrom"])
        if files.get("meta-data") is not None:
            return f"DataSourceNoCloudNet [seed={spec['seedfrom']}]", files, spec
        log("WARNING", f"no meta-data at {spec['seedfrom']}")
    for kind in ("nocloud", "nocloud-net"):
        seed_dir = os.path.join(CLOUD_DIR, "seed", kind)
        if os.path.isfile(os.path.join(seed_dir, "meta-data")):
            return f"DataSourceNoCloud [seed={seed_dir}]", fetch_seed(seed_dir), spec or {}
    device = find_labelled_seed()
    if device and mount_seed(device):
        try:
            files = {n: read(os.path.join(SEED_MOUNT, n)) for n in ("meta-data", "user-data", "vendor-data", "network-config")}
        finally:
            run(["umount", SEED_MOUNT])
        if files.get("meta-data") is not None:
            log("INFO", f"NoCloud seed on {device}")
            return f"DataSourceNoCloud [seed={device}][dsmode=net]", files, spec or {}
        log("WARNING", f"{device} is labelled cidata but has no meta-data")
    return "DataSourceNone", {}, spec or {}


# ---------------------------------------------------------------------------------------------------
# User-data: #cloud-config, scripts, MIME multipart, gzip


def split_user_data(raw):
    """Returns (cloud-config dicts, [(name, script bytes)])."""
    configs, scripts = [], []
    if raw is None:
        return configs, scripts
    data = raw if isinstance(raw, bytes) else raw.encode()
    if data[:2] == b"\x1f\x8b":
        import gzip

        data = gzip.decompress(data)
    text = data.decode("utf-8", "replace")

    def add_part(body, content_type, name):
        stripped = body.lstrip()
        if content_type == "text/cloud-config" or stripped.startswith("#cloud-config"):
            configs.append(load_yaml(body, "user-data"))
        elif content_type == "text/x-shellscript" or stripped.startswith("#!"):
            scripts.append((name, body.encode()))
        elif stripped:
            log("WARNING", f"unsupported user-data part ({content_type or stripped.splitlines()[0][:40]}); ignored")

    if text.lstrip().lower().startswith(("content-type:", "mime-version:")):
        import email

        message = email.message_from_string(text)
        index = 0
        for part in message.walk():
            if part.is_multipart():
                continue
            index += 1
            payload = part.get_payload(decode=True) or b""
            name = part.get_filename() or f"part-{index:03d}"
            add_part(payload.decode("utf-8", "replace"), part.get_content_type(), name)
    else:
        add_part(text, None, "part-001")
    return configs, scripts


def merged_config(user_configs):
    config = load_yaml(read("/etc/cloud/cloud.cfg", ""), "/etc/cloud/cloud.cfg")
    for path in entries("/etc/cloud/cloud.cfg.d", ".cfg"):
        config.update(load_yaml(read(path, ""), path))
    for user in user_configs:
        config.update(user)
    return config


# ---------------------------------------------------------------------------------------------------
# Instance state and semaphores


class Instance:
    def __init__(self, iid):
        self.iid = iid
        self.dir = os.path.join(CLOUD_DIR, "instances", iid)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def once(self, name, frequency):
        """True the first time a module runs at this frequency; records that it ran."""
        if frequency == "always":
            return True
        sem = os.path.join(CLOUD_DIR, "sem", f"config_{name}") if frequency == "once" else self.path("sem", f"config_{name}")
        if os.path.exists(sem):
            return False
        write(sem, f"{os.getpid()}: {time.time()}\n")
        return True


def current_instance():
    iid = (read(os.path.join(CLOUD_DIR, "data", "instance-id"), "") or "").strip()
    return Instance(iid) if iid else None


# ---------------------------------------------------------------------------------------------------
# /etc/passwd, /etc/group, /etc/shadow


def read_table(path):
    return [line.rstrip("\n").split(":") for line in (read(path, "") or "").splitlines() if line.strip()]


def write_table(path, rows, mode):
    write(path, "".join(":".join(row) + "\n" for row in rows), mode)


def find_row(rows, name):
    return next((row for row in rows if row[0] == name), None)


def ensure_group(name, gid=None, system=False):
    groups = read_table("/etc/group")
    row = find_row(groups, name)
    if row:
        return int(row[2])
    used = {int(r[2]) for r in groups}
    if gid is None:
        gid = next(g for g in (range(100, 1000) if system else range(1000, 60000)) if g not in used)
    groups.append([name, "x", str(gid), ""])
    write_table("/etc/group", groups, 0o644)
    gshadow = read_table("/etc/gshadow")
    gshadow.append([name, "!", "", ""])
    write_table("/etc/gshadow", gshadow, 0o640)
    log("INFO", f"created group {name} ({gid})")
    return gid


def add_to_group(user, group):
    ensure_group(group)
    groups = read_table("/etc/group")
    row = find_row(groups, group)
    members = [m for m in row[3].split(",") if m]
    if user not in members:
        members.append(user)
        row[3] = ",".join(members)
        write_table("/etc/group", groups, 0o644)


def set_shadow(user, password_hash=None, lock=None, expire=None):
    rows = read_table("/etc/shadow")
    row = find_row(rows, user)
    if row is None:
        return
    while len(row) < 9:
        row.append("")
    if password_hash is not None:
        row[1] = password_hash
        row[2] = str(int(time.time() // 86400))
    if lock and not row[1].startswith("!"):
        row[1] = "!" + row[1]
    if expire:
        row[2] = "0"
    write_table("/etc/shadow", rows, 0o640)


def hash_password(plain):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(plain, crypt.mksalt(crypt.METHOD_SHA512))


def create_user(spec):
    name = spec["name"]
    passwd = read_table("/etc/passwd")
    system = truthy(spec.get("system"))
    home = spec.get("homedir") or (f"/home/{name}" if not system else "/nonexistent")
    shell = spec.get("shell") or "/bin/sh"
    exists = find_row(passwd, name) is not None
    if exists:
        log("INFO", f"user {name} already exists; updating it")
    else:
        used = {int(r[2]) for r in passwd}
        uid = int(spec["uid"]) if spec.get("uid") is not None else next(u for u in (range(100, 1000) if system else range(1000, 60000)) if u not in used)
        primary = spec.get("primary_group") or name
        gid = ensure_group(primary, gid=None if primary != name or uid in {int(r[2]) for r in read_table("/etc/group")} else uid, system=system)
        gecos = spec.get("gecos") or ""
        passwd.append([name, "x", str(uid), str(gid), gecos, home, shell])
        write_table("/etc/passwd", passwd, 0o644)
        shadow = read_table("/etc/shadow")
        shadow.append([name, "!", str(int(time.time() // 86400)), "0", "99999", "7", "", spec.get("expiredate") or "", ""])
        write_table("/etc/shadow", shadow, 0o640)
        if not system and not truthy(spec.get("no_create_home")) and not os.path.exists(home):
            import shutil

            shutil.copytree("/etc/skel", home, symlinks=True) if os.path.isdir("/etc/skel") else os.makedirs(home)
            os.chmod(home, 0o750)
            for root, dirs, files in os.walk(home):
                for entry in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.lchown(entry, uid, gid)
        log("INFO", f"created user {name} ({uid}:{gid}) home {home}")
    for group in as_list(spec.get("groups")):
        add_to_group(name, str(group))
    if spec.get("hashed_passwd") or spec.get("passwd"):
        set_shadow(name, password_hash=spec.get("hashed_passwd") or spec.get("passwd"))
    elif spec.get("plain_text_passwd") is not None:
        set_shadow(name, password_hash=hash_password(str(spec["plain_text_passwd"])))
    if truthy(spec.get("lock_passwd"), default=True):
        set_shadow(name, lock=True)
    sudo = spec.get("sudo")
    if sudo:
        rules = [sudo] if isinstance(sudo, str) else list(sudo)
        path = "/etc/sudoers.d/90-cloud-init-users"
        text = read(path, "# Created by cloud-init v. %s\n" % VERSION)
        text += "".join(f"\n# User rules for {name}\n{name} {rule}\n" for rule in rules)
        write(path, text, 0o440)
    keys = as_list(spec.get("ssh_authorized_keys"))
    if keys:
        install_keys(name, keys)


def user_home(name):
    row = find_row(read_table("/etc/passwd"), name)
    return (row[5], int(row[2]), int(row[3])) if row else (None, None, None)


def install_keys(user, keys, options=None):
    home, uid, gid = user_home(user)
    if home is None:
        log("WARNING", f"cannot install SSH keys: no user {user}")
        return
    ssh_dir = os.path.join(home, ".ssh")
    os.makedirs(ssh_dir, exist_ok=True)
    path = os.path.join(ssh_dir, "authorized_keys")
    existing = (read(path, "") or "").splitlines()
    lines = existing + [(f"{options} {k}" if options else k) for k in keys if k not in existing]
    write(path, "\n".join(lines) + "\n", 0o600)
    os.chmod(ssh_dir, 0o700)
    for entry in (ssh_dir, path):
        os.chown(entry, uid, gid)


def normalise_users(config):
    default = dict((config.get("system_info") or {}).get("default_user") or {})
    users = config.get("users", ["default"])
    if users is None:
        users = []
    if isinstance(users, (str, dict)):
        users = [users]
    out = []
    for entry in users:
        if entry == "default":
            if default.get("name"):
                out.append(dict(default, _default=True))
        elif isinstance(entry, str):
            out.extend({"name": n} for n in as_list(entry))
        elif isinstance(entry, dict) and entry.get("name"):
            out.append(entry)
    return out, default.get("name") if any(u.get("_default") for u in out) else None


# ---------------------------------------------------------------------------------------------------
# Modules


def mod_bootcmd(config, instance):
    commands = config.get("bootcmd")
    if not commands:
        return
    script = shell_script(commands)
    path = instance.path("scripts", "bootcmd")
    write(path, script, 0o700)
    result = run(["/bin/sh", path], env=dict(os.environ, INSTANCE_ID=instance.iid))
    if result.returncode != 0:
        log("WARNING", f"bootcmd exited with {result.returncode}")


def file_content(spec):
    content = spec.get("content", "")
    encoding = str(spec.get("encoding", "text/plain")).lower()
    data = content.encode() if isinstance(content, str) else bytes(content)
    if encoding in ("b64", "base64", "gz+b64", "gz+base64", "gzip+b64", "gzip+base64"):
        import base64

        data = base64.b64decode(data)
    if encoding in ("gz", "gzip", "gz+b64", "gz+base64", "gzip+b64", "gzip+base64"):
        import gzip

        data = gzip.decompress(data)
    return data


def write_files(config, deferred):
    for spec in config.get("write_files") or []:
        if not isinstance(spec, dict) or not spec.get("path"):
            log("WARNING", "write_files entry without a path; skipped")
            continue
        if truthy(spec.get("defer")) != deferred:
            continue
        path = spec["path"]
        permissions = spec.get("permissions", "0644")
        mode = permissions if isinstance(permissions, int) else int(str(permissions), 8)
        write(path, file_content(spec), mode, append=truthy(spec.get("append")))
        owner = str(spec.get("owner", "root:root"))
        user, _, group = owner.partition(":")
        run(["chown", f"{user}:{group or user}", path])
        log("INFO", f"wrote {path}")


def mod_set_hostname(config, spec):
    if truthy(config.get("preserve_hostname")):
        return
    fqdn = config.get("fqdn")
    name = config.get("hostname") or spec.get("local-hostname")
    if fqdn and not name:
        name = fqdn.split(".")[0]
    if not name:
        return
    short = str(name).split(".")[0]
    write("/etc/hostname", short + "\n")
    run(["hostname", short])
    manage = config.get("manage_etc_hosts")
    if manage in (True, "true", "template", "localhost"):
        hosts = [l for l in (read("/etc/hosts", "") or "").splitlines() if not l.startswith("127.0.1.1")]
        entry = f"127.0.1.1 {fqdn} {short}" if fqdn and fqdn != short else f"127.0.1.1 {short}"
        write("/etc/hosts", "\n".join([entry] + hosts) + "\n")


def mod_groups_and_users(config):
    groups = config.get("groups") or []
    if isinstance(groups, (str, dict)):
        groups = [groups]
    for group in groups:
        if isinstance(group, dict):
            for name, members in group.items():
                ensure_group(str(name))
                for member in as_list(members):
                    add_to_group(str(member), str(name))
        else:
            for name in as_list(group):
                ensure_group(str(name))
    users, default_user = normalise_users(config)
    for user in users:
        create_user(user)
    return default_user


def mod_ssh(config, spec, default_user, new_instance):
    keys = as_list(config.get("ssh_authorized_keys"))
    public = spec.get("public-keys")
    if isinstance(public, dict):
        public = list(public.values())
    keys += [k for k in as_list(public) if isinstance(k, str)]
    if default_user and keys:
        install_keys(default_user, keys)
    if keys:
        if truthy(config.get("disable_root"), default=True) and default_user:
            message = f'Please login as the user \\"{default_user}\\" rather than the user \\"root\\".'
            options = config.get("disable_root_opts") or (
                "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,"
                f'command="echo \'{message}\';echo;sleep 10;exit 142"'
            )
            install_keys("root", keys, options.replace("$USER", default_user).replace("$DISABLE_USER", "root"))
        else:
            install_keys("root", keys)
    if new_instance and truthy(config.get("ssh_deletekeys"), default=True):
        for path in [p for p in entries("/etc/ssh") if os.path.basename(p).startswith("ssh_host_")]:
            os.unlink(path)
        log("INFO", "removed the previous instance's SSH host keys")


def mod_set_passwords(config, default_user):
    expire = truthy((config.get("chpasswd") or {}).get("expire") if isinstance(config.get("chpasswd"), dict) else None, default=True)
    pairs = []
    if config.get("password") is not None and default_user:
        pairs.append((default_user, str(config["password"]), "text"))
    chpasswd = config.get("chpasswd") or {}
    if isinstance(chpasswd, dict):
        listed = chpasswd.get("list")
        if isinstance(listed, str):
            listed = listed.splitlines()
        for line in listed or []:
            user, _, password = str(line).partition(":")
            pairs.append((user.strip(), password, "hash" if password.startswith("$") else "text"))
        for entry in chpasswd.get("users") or []:
            pairs.append((entry.get("name"), str(entry.get("password", "")), entry.get("type", "hash" if str(entry.get("password", "")).startswith("$") else "text")))
    for user, password, kind in pairs:
        if not user:
            continue
        if kind == "RANDOM" or password in ("R", "RANDOM"):
            import random
            import string

            password = "".join(random.SystemRandom().choice(string.ascii_letters + string.digits) for _ in range(20))
            console(f"{user}:{password}")
            kind = "text"
        set_shadow(user, password_hash=password if kind == "hash" else hash_password(password), expire=expire)
        log("INFO", f"set password for {user}")
    pwauth = config.get("ssh_pwauth")
    if pwauth is not None and str(pwauth).lower() != "unchanged":
        value = "yes" if truthy(pwauth) else "no"
        write("/etc/ssh/sshd_config.d/50-cloud-init.conf", f"PasswordAuthentication {value}\n", 0o600)
        log("INFO", f"PasswordAuthentication {value}")


def mod_network(files, new_instance):
    config_text = files.get("network-config")
    disabled = any("config: disabled" in (read(p, "") or "") for p in entries("/etc/cloud/cloud.cfg.d", ".cfg"))
    if disabled or not new_instance:
        return
    header = (
        "# This file is generated from information provided by the datasource.  Changes\n"
        "# to it will not persist across an instance reboot.  To disable cloud-init's\n"
        "# network configuration capabilities, write a file\n"
        "# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:\n"
        "# network: {config: disabled}\n"
    )
    if config_text:
        network = load_yaml(config_text, "network-config")
        body = yaml.safe_dump(network if "network" in network else {"network": network})
    else:
        nics = sorted(n for n in os.listdir("/sys/class/net") if n != "lo")
        if not nics:
            return
        mac = (read(f"/sys/class/net/{nics[0]}/address", "") or "").strip()
        body = yaml.safe_dump(
            {"network": {"ethernets": {nics[0]: {"dhcp4": True, "match": {"macaddress": mac}, "set-name": nics[0]}}, "version": 2}}
        )
    write("/etc/netplan/50-cloud-init.yaml", header + body, 0o600)


def shell_script(commands):
    lines = ["#!/bin/sh"]
    for command in commands if isinstance(commands, list) else [commands]:
        if isinstance(command, list):
            lines.append(" ".join(shell_quote(str(c)) for c in command))
        else:
            lines.append(str(command))
    return "\n".join(lines) + "\n"


def run_scripts(directory):
    failed = 0
    for path in entries(directory):
        if not os.path.isfile(path):
            continue
        os.chmod(path, 0o700)
        log("INFO", f"running {path}")
        try:
            result = run([path])
        except OSError as err:
            log("WARNING", f"{path} could not be run: {err}")
            failed += 1
            continue
        if result.returncode != 0:
            log("WARNING", f"{path} exited with {result.returncode}")
            failed += 1
    return failed


SUPPORTED = {
    "bootcmd", "write_files", "hostname", "fqdn", "preserve_hostname", "manage_etc_hosts", "users", "groups",
    "ssh_authorized_keys", "disable_root", "disable_root_opts", "ssh_deletekeys", "password", "chpasswd",
    "ssh_pwauth", "runcmd", "final_message", "power_state", "system_info", "datasource_list",
    "cloud_init_modules", "cloud_config_modules", "cloud_final_modules", "merge_how", "merge_type",
}


# ---------------------------------------------------------------------------------------------------
# Stages


def write_status(stage, errors=()):
    status = {"v1": {"datasource": read(os.path.join(RUN_DIR, "datasource"), "").strip() or None, "stage": stage, stage or "done": {"errors": list(errors), "finished": time.time() if stage is None else None}}}
    write(os.path.join(RUN_DIR, "status.json"), to_json(status))


def stage_init():
    os.makedirs(RUN_DIR, exist_ok=True)
    write_status("init")
    log("INFO", f"Cloud-init v. {VERSION} running 'init' at {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}. Up {uptime()} seconds.")
    name, files, spec = read_datasource()
    meta = load_yaml(files.get("meta-data"), "meta-data")
    for key in ("instance-id", "local-hostname"):
        if spec.get(key) and not meta.get(key):
            meta[key] = spec[key]
    iid = str(meta.get("instance-id") or NONE_INSTANCE)
    previous = current_instance()
    new_instance = previous is None or previous.iid != iid
    instance = Instance(iid)
    os.makedirs(instance.path("sem"), exist_ok=True)
    os.makedirs(instance.path("scripts"), exist_ok=True)
    for sub in ("data", "scripts/per-boot", "scripts/per-instance", "scripts/per-once", "seed", "sem"):
        os.makedirs(os.path.join(CLOUD_DIR, sub), exist_ok=True)
    link = os.path.join(CLOUD_DIR, "instance")
    if os.path.islink(link) or os.path.exists(link):
        os.unlink(link)
    os.symlink(instance.dir, link)
    if previous is not None and new_instance:
        write(os.path.join(CLOUD_DIR, "data", "previous-instance-id"), previous.iid + "\n")
    write(os.path.join(CLOUD_DIR, "data", "instance-id"), iid + "\n")
    write(instance.path("datasource"), name + "\n")
    write(os.path.join(RUN_DIR, "datasource"), name + "\n")
    for key in ("user-data", "vendor-data", "meta-data"):
        if files.get(key) is not None:
            write(instance.path(key.replace("-", "_") + ".txt" if key != "meta-data" else "meta-data.json"),
                  files[key] if key != "meta-data" else to_json(meta), 0o600)
    configs, scripts = split_user_data(files.get("user-data"))
    vendor_configs, _ = split_user_data(files.get("vendor-data"))
    config = merged_config(vendor_configs + configs)
    write(instance.path("cloud-config.txt"), "#cloud-config\n" + yaml.safe_dump(config), 0o600)
    for key in sorted(k for c in configs for k in c if k not in SUPPORTED):
        log("WARNING", f"user-data key '{key}' is not supported by this guest; ignored")
    for index, (script_name, body) in enumerate(scripts):
        write(instance.path("scripts", os.path.basename(script_name) or f"part-{index + 1:03d}"), body, 0o700)

    mod_bootcmd(config, instance)
    if instance.once("write_files", "instance"):
        write_files(config, deferred=False)
    mod_set_hostname(config, meta)
    mod_network(files, new_instance)
    default_user = normalise_users(config)[1]
    if instance.once("users_groups", "instance"):
        default_user = mod_groups_and_users(config)
    if instance.once("ssh", "instance"):
        mod_ssh(config, meta, default_user, new_instance)
    if instance.once("set_passwords", "instance"):
        mod_set_passwords(config, default_user)
    write(os.path.join(RUN_DIR, "instance-data.json"), to_json({"v1": {"instance_id": iid, "local_hostname": meta.get("local-hostname"), "datasource": name}}))
    console(f"cloud-init: {name}, instance {iid}{' (new)' if new_instance else ''}; up {uptime()} s")
    write_status("modules-final")
    return 0


def stage_final():
    instance = current_instance()
    if instance is None:
        log("ERROR", "cloud-init init has not run")
        return 1
    config = load_yaml(read(instance.path("cloud-config.txt"), ""), "cloud-config")
    errors = []
    run_scripts(os.path.join(CLOUD_DIR, "scripts", "per-boot"))
    if instance.once("scripts_per_instance", "instance"):
        run_scripts(os.path.join(CLOUD_DIR, "scripts", "per-instance"))
    if instance.once("scripts_per_once", "once"):
        run_scripts(os.path.join(CLOUD_DIR, "scripts", "per-once"))
    if instance.once("runcmd", "instance") and config.get("runcmd"):
        write(instance.path("scripts", "runcmd"), shell_script(config["runcmd"]), 0o700)
    if instance.once("scripts_user", "instance"):
        if run_scripts(instance.path("scripts")):
            errors.append("scripts_user failed")
    if instance.once("write_files_deferred", "instance"):
        write_files(config, deferred=True)
    datasource = (read(instance.path("datasource"), "") or "").strip()
    template = config.get("final_message") or "Cloud-init v. $version finished at $timestamp. Datasource $datasource.  Up $uptime seconds"
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    console(str(template).replace("$version", VERSION).replace("$timestamp", stamp).replace("$datasource", datasource).replace("$uptime", uptime()))
    write(instance.path("boot-finished"), f"{uptime()} - {stamp} - v. {VERSION}\n")
    result = {"v1": {"datasource": datasource, "errors": errors}}
    write(os.path.join(RUN_DIR, "result.json"), to_json(result))
    write(os.path.join(CLOUD_DIR, "data", "result.json"), to_json(result))
    write_status(None, errors)
    power = config.get("power_state")
    if isinstance(power, dict) and instance.once("power_state_change", "instance"):
        power_state_change(power)
    return 1 if errors else 0


def power_state_change(power):
    mode = str(power.get("mode", "")).lower()
    action = {"poweroff": "poweroff", "halt": "halt", "reboot": "reboot"}.get(mode)
    if not action:
        log("WARNING", f"power_state: unknown mode '{mode}'")
        return
    condition = power.get("condition", True)
    if isinstance(condition, (str, list)):
        argv = condition if isinstance(condition, list) else ["/bin/sh", "-c", condition]
        if run(argv).returncode != 0:
            log("INFO", "power_state: condition not met")
            return
    elif not truthy(condition, default=True):
        return
    delay = str(power.get("delay", "now")).lstrip("+")
    seconds = 0 if delay == "now" else int(float(delay) * 60)
    if power.get("message"):
        console(str(power["message"]))
    log("INFO", f"power_state: {action} in {seconds} s")
    if seconds:
        time.sleep(seconds)
    run([action])


def command_status(args):
    wait = "--wait" in args or "-w" in args
    long = "--long" in args or "-l" in args
    while True:
        result = read(os.path.join(RUN_DIR, "result.json"))
        running = os.path.exists(os.path.join(RUN_DIR, "status.json")) and result is None
        if not (wait and running):
            break
        sys.stdout.write(".")
        sys.stdout.flush()
        time.sleep(0.25)
    if wait:
        sys.stdout.write("\n")
    if result is not None:
        import json

        errors = json.loads(result)["v1"]["errors"]
        state = "error" if errors else "done"
    else:
        state = "running" if os.path.exists(os.path.join(RUN_DIR, "status.json")) else "not started"
    print(f"status: {state}")
    if long:
        instance = current_instance()
        print(f"boot_status_code: enabled-by-generator\ndetail:\n{(read(instance.path('datasource'), '') or '').strip() if instance else 'DataSourceNone'}")
    return 1 if state == "error" else 0


def command_clean(args):
    import shutil

    keep_seed = "--seed" not in args
    if os.path.isdir(CLOUD_DIR):
        for entry in os.listdir(CLOUD_DIR):
            if keep_seed and entry == "seed":
                continue
            path = os.path.join(CLOUD_DIR, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    if "--logs" in args or "-l" in args:
        for path in (LOG_FILE, OUTPUT_LOG):
            if os.path.exists(path):
                os.unlink(path)
    if "--machine-id" in args:
        write("/etc/machine-id", "uninitialized\n", 0o444)
    if "-r" in args or "--reboot" in args:
        run(["reboot"])
    return 0


def main(argv):
    program = os.path.basename(argv[0])
    args = argv[1:]
    if program == "cloud-id":
        instance = current_instance()
        name = (read(instance.path("datasource"), "") or "").strip() if instance else ""
        print("nocloud" if name.startswith("DataSourceNoCloud") else "none")
        return 0
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if args[0] in ("--version", "-v"):
        print(f"/usr/bin/cloud-init {VERSION}")
        return 0
    command = args[0]
    if command == "init":
        return stage_init()
    if command == "modules":
        mode = args[args.index("--mode") + 1] if "--mode" in args else "config"
        return stage_final() if mode == "final" else 0
    if command == "status":
        return command_status(args[1:])
    if command == "clean":
        return command_clean(args[1:])
    sys.stderr.write(f"cloud-init: '{command}' is not supported by this guest\n")
    return 2


