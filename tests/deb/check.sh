#!/usr/bin/env bash
# The Debian package's system test: build it (debian/package.sh), check what is in it, then
# install it into a clean Debian 12 root made with debootstrap and check what it did there:
# the user and group, the state directory, the files, the units (not enabled, and
# `systemd-analyze verify` clean), the binary running; then upgrade it over itself and to a
# newer version with an edited config (the edit must survive), and purge it (the journal
# must stay; the user too, unless the admin asks). See docs/packaging.md.
#
# Needs root, cargo-deb, debootstrap and dpkg-deb (Debian/Ubuntu); the root is made from
# deb.debian.org under target/deb-check/ (in a tmpfs mounted there) and removed at the end.
#   SCANTRAIL_DEB_PROFILE=release  package a release build (default: dev, the debug build
#                                  CI already has; cargo-deb warns that dev is unusual)
#   SCANTRAIL_DEB_CACHE=DIR        keep the clean root as DIR/root.tar between runs
# Exit 0 when every check passed; the last line is the verdict `deb-package: N passed, M failed`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
t0=$(date +%s)
say() { echo "[deb $(( $(date +%s) - t0 ))s] $*"; }
passed=0
failed=0
check() { # check NAME COMMAND...: one verdict line per check
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "  ok   $name"
  else failed=$((failed + 1)); echo "  FAIL $name"; fi
}

for tool in debootstrap dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "check.sh: $tool is missing (apt-get install $tool)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "check.sh: needs root (debootstrap, chroot)"; exit 1; }

W=$repo/target/deb-check
R=$W/root
if mountpoint -q "$R" 2>/dev/null; then umount "$R"; fi
rm -rf "$W"
mkdir -p "$R"
# The root in memory: debootstrap's and dpkg's fsyncs cost nothing there (on a busy disk they
# took half the time). Where tmpfs cannot be mounted, the root stays on disk.
if mount -t tmpfs -o size=2g,mode=0755 scantrail-deb-check "$R" 2>/dev/null; then
  trap 'umount "$R"; rm -rf "$W"' EXIT
else
  trap 'rm -rf "$W"' EXIT
fi

profile=${SCANTRAIL_DEB_PROFILE:-dev}
target=${CARGO_TARGET_DIR:-$repo/target}
say "building the package (profile $profile)"
rm -f "$target"/debian/scantrail_*.deb
"$repo/debian/package.sh" --profile "$profile" -- --fast --quiet
deb=$(ls "$target"/debian/scantrail_*.deb)
if [ "$profile" = dev ]; then bin=$target/debug/scantrail; else bin=$target/$profile/scantrail; fi
version=$(dpkg-deb -f "$deb" Version)
say "$(basename "$deb"): $(du -h "$deb" | cut -f1)"

# ---------------------------------------------------------------- what is in the package
say "contents (dpkg-deb -c, -I, -e)"
dpkg-deb -c "$deb" | awk '{print $1, $2, $NF}' > "$W/contents"
has() { grep -qxF -- "$1" "$W/contents" || { echo "    not in the package: $1"; return 1; }; }
for entry in \
  "-rwxr-xr-x 0/0 ./usr/bin/scantrail" \
  "-rw-r--r-- 0/0 ./etc/scantrail/config.toml" \
  "-rw-r--r-- 0/0 ./usr/lib/udev/rules.d/70-scantrail-scanners.rules" \
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/scantrail.service" \
  "-rw-r--r-- 0/0 ./usr/lib/systemd/system/scantrail-headless.service" \
  "-rw-r--r-- 0/0 ./usr/share/man/man1/scantrail.1.gz" \
  "-rw-r--r-- 0/0 ./usr/share/bash-completion/completions/scantrail" \
  "-rw-r--r-- 0/0 ./usr/share/zsh/vendor-completions/_scantrail" \
  "-rw-r--r-- 0/0 ./usr/share/fish/vendor_completions.d/scantrail.fish" \
  "-rw-r--r-- 0/0 ./usr/share/doc/scantrail/README.md" \
  "-rw-r--r-- 0/0 ./usr/share/doc/scantrail/copyright" \
  "-rw-r--r-- 0/0 ./usr/share/doc/scantrail/gs1-syntax-dictionary/LICENSE" \
  "-rw-r--r-- 0/0 ./usr/share/doc/scantrail/gs1-syntax-dictionary/NOTICE"; do
  check "contains ${entry##* }" has "$entry"
done
# Not enabled: no link in a .wants folder, nothing under /etc but the config.
check "no unit enabled by the package" bash -c "! grep -q '\.wants/' '$W/contents'"
check "nothing in /etc but the config" \
  bash -c "[ \"\$(grep -c ' \./etc/.*[^/]\$' '$W/contents')\" = 1 ]"

dpkg-deb -I "$deb" > "$W/info"
dpkg-deb -e "$deb" "$W/control"
check "conffiles: /etc/scantrail/config.toml, only" \
  bash -c "[ \"\$(cat '$W/control/conffiles')\" = /etc/scantrail/config.toml ]"
check "control: Package scantrail, Depends libc6" \
  bash -c "grep -qx ' Package: scantrail' '$W/info' && grep -q '^ Depends: .*libc6' '$W/info'"
# Debian policy 5.6.13: the extended description is lines of at most 80 columns (dpkg shows
# them as they are; lintian calls longer ones extended-description-line-too-long).
check "control: description of several lines, none over 80 columns" \
  bash -c "[ \$(sed -n '/^Description:/,\$p' '$W/control/control' | wc -l) -ge 3 ] && ! sed -n '/^Description:/,\$p' '$W/control/control' | grep -q '.\{81\}'"
for script in postinst prerm postrm; do
  check "$script: executable, sh -n clean" bash -c "[ -x '$W/control/$script' ] && sh -n '$W/control/$script'"
done
check "postrm never deletes /var/lib/scantrail" \
  bash -c "! grep -E '^[^#]*(rm|rmdir|find)[^#]*/var/lib/scantrail' '$W/control/postrm'"

dpkg-deb -x "$deb" "$W/data"
check "units start /usr/bin/scantrail" \
  bash -c "grep -q '^ExecStart=/usr/bin/scantrail run\$' '$W/data/usr/lib/systemd/system/scantrail.service' &&
           grep -q '^ExecStart=/usr/bin/scantrail run --headless\$' '$W/data/usr/lib/systemd/system/scantrail-headless.service'"
# Every subcommand that `scantrail --help` lists is in the man page and each completion.
subcommands=$("$bin" --help | awk '/^Commands:/{on=1; next} /^$/{on=0} on && $1 != "help" {print $1}')
zcat "$W/data/usr/share/man/man1/scantrail.1.gz" > "$W/man"
names_all() { # names_all FILE PATTERN-WITH-%s
  local missing=""
  for s in $subcommands; do
    # shellcheck disable=SC2059
    grep -qF -- "$(printf -- "$2" "$s")" "$1" || missing="$missing $s"
  done
  [ -z "$missing" ] || { echo "    missing in $(basename "$1"):$missing"; return 1; }
}
check "man page: a subsection for each of $(echo "$subcommands" | wc -w) subcommands" names_all "$W/man" '.SS "scantrail %s"'
check "bash completion names every subcommand" names_all "$W/data/usr/share/bash-completion/completions/scantrail" '%s'
check "zsh completion names every subcommand" names_all "$W/data/usr/share/zsh/vendor-completions/_scantrail" "'%s:"
check "fish completion names every subcommand" names_all "$W/data/usr/share/fish/vendor_completions.d/scantrail.fish" '-a "%s"'
if command -v man >/dev/null; then
  check "man renders the page without warnings" \
    bash -c "[ -z \"\$(MANWIDTH=80 man --warnings -l '$W/man' 2>&1 >/dev/null)\" ]"
fi

# ---------------------------------------------------------------- a clean Debian root
if [ -n "${SCANTRAIL_DEB_CACHE:-}" ] && [ -f "$SCANTRAIL_DEB_CACHE/root.tar" ]; then
  say "clean root from $SCANTRAIL_DEB_CACHE/root.tar"
  tar -C "$R" -xf "$SCANTRAIL_DEB_CACHE/root.tar"
else
  say "debootstrap --variant=minbase bookworm (deb.debian.org)"
  debootstrap --variant=minbase bookworm "$R" http://deb.debian.org/debian > "$W/debootstrap.log" 2>&1 \
    || { tail -20 "$W/debootstrap.log"; exit 1; }
  say "systemd in the root, for systemd-analyze verify"
  chroot "$R" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -qq --no-install-recommends systemd \
    > "$W/apt.log" 2>&1 || { tail -20 "$W/apt.log"; exit 1; }
  chroot "$R" apt-get clean
  if [ -n "${SCANTRAIL_DEB_CACHE:-}" ]; then
    mkdir -p "$SCANTRAIL_DEB_CACHE" && tar -C "$R" -cf "$SCANTRAIL_DEB_CACHE/root.tar" .
  fi
fi
in_root() { chroot "$R" "$@"; }
cp "$deb" "$R/tmp/scantrail.deb"

say "install (dpkg -i)"
in_root dpkg -i /tmp/scantrail.deb > "$W/install.log" 2>&1 || { cat "$W/install.log"; exit 1; }
check "installed: $version" bash -c "[ \"\$(chroot '$R' dpkg-query -W -f '\${Status} \${Version}' scantrail)\" = 'install ok installed $version' ]"
passwd_line() { in_root getent passwd scantrail; }
user_ok() {
  local line uid gid
  line=$(passwd_line) || { echo "    no user scantrail"; return 1; }
  IFS=: read -r _ _ uid gid _ home shell <<< "$line"
  if [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/scantrail ] && [ "$shell" = /usr/sbin/nologin ] \
    && [ "$(in_root getent group scantrail | cut -d: -f3)" = "$gid" ]; then
    return 0
  fi
  echo "    $line"
  return 1
}
check "system user scantrail, its own group, home /var/lib/scantrail, no shell" user_ok
uid_before=$(passwd_line | cut -d: -f3)
check "/var/lib/scantrail: scantrail:scantrail 0750" \
  bash -c "[ \"\$(chroot '$R' stat -c '%U:%G %a' /var/lib/scantrail)\" = 'scantrail:scantrail 750' ]"
installed_files() {
  for f in /usr/bin/scantrail /etc/scantrail/config.toml /usr/lib/udev/rules.d/70-scantrail-scanners.rules \
    /usr/lib/systemd/system/scantrail.service /usr/lib/systemd/system/scantrail-headless.service \
    /usr/share/man/man1/scantrail.1.gz /usr/share/bash-completion/completions/scantrail \
    /usr/share/doc/scantrail/gs1-syntax-dictionary/NOTICE; do
    [ -f "$R$f" ] || { echo "    missing: $f"; return 1; }
  done
}
check "files in place" installed_files
check "units installed, not enabled" \
  bash -c "[ \"\$(chroot '$R' systemctl is-enabled scantrail.service scantrail-headless.service | sort -u)\" = disabled ]"
check "systemd-analyze verify of both units" \
  in_root systemd-analyze verify /usr/lib/systemd/system/scantrail.service /usr/lib/systemd/system/scantrail-headless.service
check "scantrail --version runs: scantrail ${version%-*}" \
  bash -c "[ \"\$(chroot '$R' scantrail --version)\" = 'scantrail ${version%-*}' ]"
check "the shipped config is in force and valid" \
  bash -c "chroot '$R' scantrail config check | grep -qx 'config:   /etc/scantrail/config.toml: valid'"
check "the user scantrail creates its journal in /var/lib/scantrail" \
  in_root runuser -u scantrail -- scantrail --db /var/lib/scantrail/scantrail.db init

# ---------------------------------------------------------------- upgrades keep the edit
say "upgrade over itself with an edited config"
sed -i 's/^# name = "DOCK-1"$/name = "DOCK-7"/' "$R/etc/scantrail/config.toml"
edited() { grep -qx 'name = "DOCK-7"' "$R/etc/scantrail/config.toml"; }
check "config edited (name = \"DOCK-7\")" edited
in_root dpkg -i --force-confold /tmp/scantrail.deb > "$W/reinstall.log" 2>&1 < /dev/null || { cat "$W/reinstall.log"; exit 1; }
check "reinstall: the edit survived" edited
check "reinstall: same user id, journal kept" \
  bash -c "[ \"\$(chroot '$R' getent passwd scantrail | cut -d: -f3)\" = '$uid_before' ] && [ -f '$R/var/lib/scantrail/scantrail.db' ]"

say "upgrade to a newer version whose default config changed (both changed: dpkg asks)"
dpkg-deb -R "$deb" "$W/next"
echo "# the next version's default" >> "$W/next/etc/scantrail/config.toml"
(cd "$W/next" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum > DEBIAN/md5sums)
sed -i "s/^Version: .*/Version: ${version%-*}-99/" "$W/next/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz -z1 -b "$W/next" "$R/tmp/scantrail-next.deb" > /dev/null
# Without a terminal and without an answer, dpkg stops at the conffile question rather than
# choose; --force-confold (apt: -o Dpkg::Options::=--force-confold) keeps the admin's file.
check "no answer: dpkg stops at the conffile prompt" \
  bash -c "! chroot '$R' dpkg -i /tmp/scantrail-next.deb > '$W/prompt.log' 2>&1 < /dev/null &&
           grep -q 'end of file on stdin at conffile prompt' '$W/prompt.log'"
check "no answer: the edited config is untouched" edited
in_root dpkg -i --force-confdef --force-confold /tmp/scantrail-next.deb > "$W/upgrade.log" 2>&1 < /dev/null \
  || { cat "$W/upgrade.log"; exit 1; }
check "upgraded to ${version%-*}-99" \
  bash -c "[ \"\$(chroot '$R' dpkg-query -W -f '\${Version}' scantrail)\" = '${version%-*}-99' ]"
check "upgrade: the edit survived" edited
check "upgrade: the new default beside it, config.toml.dpkg-dist" \
  grep -qx '# the next version.s default' "$R/etc/scantrail/config.toml.dpkg-dist"

# ---------------------------------------------------------------- purge keeps the journal
say "purge"
in_root dpkg --purge scantrail > "$W/purge.log" 2>&1 || { cat "$W/purge.log"; exit 1; }
check "purge: /etc/scantrail/config.toml gone" bash -c "[ ! -e '$R/etc/scantrail/config.toml' ]"
check "purge: the journal is kept" test -f "$R/var/lib/scantrail/scantrail.db"
check "purge: user and group kept unless asked" bash -c "chroot '$R' getent passwd scantrail >/dev/null && chroot '$R' getent group scantrail >/dev/null"
check "purge: says how to remove the user" grep -q 'SCANTRAIL_REMOVE_USER=yes' "$W/purge.log"
in_root dpkg -i /tmp/scantrail.deb > "$W/install2.log" 2>&1 || { cat "$W/install2.log"; exit 1; }
check "reinstall after purge: the same user" bash -c "[ \"\$(chroot '$R' getent passwd scantrail | cut -d: -f3)\" = '$uid_before' ]"
in_root env SCANTRAIL_REMOVE_USER=yes dpkg --purge scantrail > "$W/purge2.log" 2>&1 || { cat "$W/purge2.log"; exit 1; }
check "purge with SCANTRAIL_REMOVE_USER=yes: user and group gone" \
  bash -c "! chroot '$R' getent passwd scantrail >/dev/null && ! chroot '$R' getent group scantrail >/dev/null"
check "purge with SCANTRAIL_REMOVE_USER=yes: the journal is still kept" test -f "$R/var/lib/scantrail/scantrail.db"

say "done"
echo "deb-package: $passed passed, $failed failed"
[ "$failed" = 0 ]
