#!/usr/bin/env bash
# ctest deploy_packages: builds the Debian packages of this build (cpack, the `package` target's
# tool) and checks them as an installer would see them:
#   * dpkg-deb --info: names, dependencies found by dpkg-shlibdeps, maintainer scripts, conffiles;
#   * dpkg-deb --contents: every program, unit, sysusers file, default configuration and guide,
#     and nothing else (no test or benchmark binary);
#   * the packages extracted into a temporary root: systemd-sysusers creates the users and
#     groups the units name; `systemd-analyze verify` checks each unit with its binary in place
#     and must print nothing (it only warns about unknown keys and bad values, so any output is
#     a failure); `systemd-analyze security` rates the sandboxing; the same check is shown to
#     fail on a broken unit (negative controls);
#   * the packaged programs run, and the installed default configurations pass
#     `enlace-hub --check` / `enlace-node --check-config` once given a real bundle.
#   tests/deploy/packages_test.sh BUILD_DIR
set -uo pipefail
build_dir=$(cd "${1:?usage: packages_test.sh BUILD_DIR}" && pwd)
work=$(mktemp -d /tmp/enlace-packages-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; exit $?; }

if ! cpack --config "$build_dir/CPackConfig.cmake" -B "$work/packages" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  bad "cpack failed"
  finish
fi
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
declare -A deb
for package in enlace-hub enlace-node enlace-tools; do
  deb[$package]=$work/packages/${package}_${version}_${arch}.deb
  if [[ -f ${deb[$package]} ]]; then
    ok "built $(basename "${deb[$package]}") ($(du -k "${deb[$package]}" | cut -f1) KiB)"
  else
    bad "no ${deb[$package]} (cpack wrote: $(ls "$work/packages"))"
    finish
  fi
done

# Control data. (Outputs go to files first: `dpkg-deb ... | grep -q` would kill dpkg-deb with
# SIGPIPE, and pipefail would call that a failure.)
for package in enlace-hub enlace-node enlace-tools; do
  dpkg-deb --info "${deb[$package]}" >"$work/$package.info"
  dpkg-deb --contents "${deb[$package]}" >"$work/$package.contents"
done
expect_info() {
  local package=$1 pattern=$2 what=$3
  if grep -Eq "$pattern" "$work/$package.info"; then ok "$package: $what"
  else bad "$package: $what (no /$pattern/ in dpkg-deb --info)"; fi
}
for package in enlace-hub enlace-node enlace-tools; do
  expect_info "$package" "^ Package: $package\$" "named $package"
  expect_info "$package" "^ Depends: .*libc6" "Depends found by dpkg-shlibdeps (libc6 ...)"
  expect_info "$package" "^ Depends: .*libgrpc\\+\\+" "depends on the gRPC runtime"
done
for package in enlace-hub enlace-node; do
  expect_info "$package" "^ Depends: .*systemd" "depends on systemd"
  for script in postinst prerm postrm conffiles; do
    expect_info "$package" "^ +[0-9]+ bytes, +[0-9]+ lines +\\*? *$script" "has its $script"
  done
done
expect_info enlace-hub "^ Depends: .*libssl3" "depends on the OpenSSL 3 runtime"

# Contents: exactly the files the layout promises.
contents() {
  awk '$1 !~ /^d/ { print $NF }' "$work/$1.contents" | sed 's|^\./|/|' | sort
}
expect_files() {
  local package=$1
  shift
  local listed missing extra
  listed=$(contents "$package")
  missing=$(comm -13 <(echo "$listed") <(printf '%s\n' "$@" | sort))
  extra=$(comm -23 <(echo "$listed") <(printf '%s\n' "$@" | sort))
  if [[ -z $missing && -z $extra ]]; then ok "$package holds exactly its $# files"
  else bad "$package contents: missing [${missing//$'\n'/ }] unexpected [${extra//$'\n'/ }]"; fi
}
expect_files enlace-hub /usr/bin/enlace-hub /usr/lib/systemd/system/enlace-hub.service \
  /usr/lib/sysusers.d/enlace-hub.conf /etc/enlace/hub.conf \
  /usr/share/doc/enlace-hub/operator-guide.md /usr/share/doc/enlace-hub/hub.md \
  /usr/share/doc/enlace-hub/audit-log.md
expect_files enlace-node /usr/bin/enlace-node /usr/bin/enlace \
  /usr/lib/systemd/system/enlace-node.service /usr/lib/sysusers.d/enlace-node.conf \
  /etc/enlace/node.conf /usr/share/doc/enlace-node/user-guide.md \
  /usr/share/doc/enlace-node/operator-guide.md /usr/share/doc/enlace-node/messages.md
expect_files enlace-tools /usr/bin/enlace-admin /usr/bin/enlace-audit \
  /usr/share/doc/enlace-tools/operator-guide.md /usr/share/doc/enlace-tools/auditor-guide.md \
  /usr/share/doc/enlace-tools/audit-log.md
if [[ $(grep -c '^-rwxr-xr-x root/root .* \./usr/bin/enlace' "$work"/*.contents |
        awk -F: '{ n += $2 } END { print n }') == 5 ]]; then
  ok "the five programs are root-owned and 0755"
else
  bad "program ownership or mode: $(grep -h usr/bin/ "$work"/*.contents)"
fi

# Extract into a root with systemd's own units (verify needs the targets they are wanted by).
root=$work/root
mkdir -p "$root/lib/systemd/system" "$root/etc"
cp -a /lib/systemd/system/*.target "$root/lib/systemd/system/"
for package in enlace-hub enlace-node enlace-tools; do dpkg-deb -x "${deb[$package]}" "$root"; done

if systemd-sysusers --root="$root" >"$work/sysusers.log" 2>&1 &&
   grep -q '^enlace-hub:' "$root/etc/passwd" && grep -q '^enlace-node:' "$root/etc/passwd" &&
   grep -q '^enlace:' "$root/etc/group" &&
   [[ $(awk -F: '$1 == "enlace-node" { print $4 }' "$root/etc/passwd") == \
      $(awk -F: '$1 == "enlace" { print $3 }' "$root/etc/group") ]]; then
  ok "systemd-sysusers creates enlace-hub, enlace-node (primary group enlace) and the group enlace"
else
  bad "sysusers: $(cat "$work/sysusers.log" "$root/etc/passwd" "$root/etc/group" 2>&1)"
fi

# verify: a unit passes only with a zero exit AND no output at all.
verify_unit() {
  local unit=$1 out
  out=$(systemd-analyze verify --root="$root" "$unit" 2>&1) && [[ -z $out ]]
}
for unit in enlace-hub.service enlace-node.service; do
  if verify_unit "$unit"; then ok "systemd-analyze verify $unit: clean"
  else bad "systemd-analyze verify $unit: $(systemd-analyze verify --root="$root" "$unit" 2>&1)"; fi
  for directive in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes StateDirectory= \
                   'User=enlace-' CapabilityBoundingSet= SystemCallFilter=@system-service; do
    grep -q "^$directive" "$root/usr/lib/systemd/system/$unit" || bad "$unit lacks $directive"
  done
  exposure=$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  if [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }'; then
    ok "$unit: systemd-analyze security exposure $exposure (at most 2.5)"
  else
    bad "$unit: systemd-analyze security exposure '${exposure}' (want at most 2.5)"
  fi
done

# Negative controls: the same verify check fails on broken copies.
unit_dir=$root/usr/lib/systemd/system
cp "$unit_dir/enlace-hub.service" "$work/good.service"
sed -i 's/^NoNewPrivileges=yes$/NoNewPrivileges=yes\nNoNewPrivilegez=yes/' "$unit_dir/enlace-hub.service"
if verify_unit enlace-hub.service; then bad "verify accepted a misspelt directive"
else ok "negative control: a misspelt directive fails the verify check"; fi
cp "$work/good.service" "$unit_dir/enlace-hub.service"
sed -i 's|^ExecStart=/usr/bin/enlace-hub |ExecStart=/usr/bin/enlace-hubb |' "$unit_dir/enlace-hub.service"
if verify_unit enlace-hub.service; then bad "verify accepted a missing binary"
else ok "negative control: an ExecStart without its binary fails the verify check"; fi
cp "$work/good.service" "$unit_dir/enlace-hub.service"
mv "$root/usr/bin/enlace-hub" "$work/enlace-hub"
if verify_unit enlace-hub.service; then bad "verify accepted the unit without the packaged binary"
else ok "negative control: the unit fails verify when the package's binary is absent"; fi
mv "$work/enlace-hub" "$root/usr/bin/enlace-hub"

# The packaged programs run (their libraries resolve) ...
for program in enlace-hub enlace-node enlace enlace-admin enlace-audit; do
  if "$root/usr/bin/$program" --help >"$work/help" 2>&1 && grep -q "$program" "$work/help"; then
    ok "packaged $program runs (--help)"
  else
    bad "packaged $program --help: $(head -3 "$work/help")"
  fi
done

# ... and the installed default configurations work once the operator puts a bundle in place.
bin=$root/usr/bin
ws=$work/ws
printf 'operator passphrase for the test\n' >"$work/operator-pass"
printf 'bundle passphrase for the test\n' >"$work/bundle-pass"
chmod 600 "$work/operator-pass" "$work/bundle-pass"
admin=("$bin/enlace-admin" --workspace "$ws" --passphrase-file "$work/operator-pass")
{
  "${admin[@]}" init-network --name Test &&
  "${admin[@]}" enrol hub --bundle-passphrase-file "$work/bundle-pass" &&
  "${admin[@]}" enrol node/MX --bundle-passphrase-file "$work/bundle-pass" &&
  "${admin[@]}" directory publish
} >"$work/admin.log" 2>&1 || { cat "$work/admin.log"; bad "packaged enlace-admin failed"; finish; }
etc=$work/etc/enlace
mkdir -p "$etc/hub" "$etc/node"
for component in hub node; do
  bundle=$ws/bundles/$([[ $component == hub ]] && echo hub || echo node-MX)
  cp "$bundle"/root.pem "$bundle"/tls.pem "$bundle"/tls-key.pem "$etc/$component/"
  cp "$bundle"/signing-*.pem "$etc/$component/signing.pem"
  cp "$work/bundle-pass" "$etc/$component/passphrase"
  chmod 600 "$etc/$component"/*
  sed -e "s|/etc/enlace|$work/etc/enlace|g" -e "s|/var/lib|$work/var/lib|g" \
      -e "s|/run/enlace|$work/run|g" "$root/etc/enlace/$component.conf" >"$etc/$component.conf"
done
cp "$ws"/bundles/node-MX/encryption-*.pem "$etc/node/encryption.pem"
cp "$ws/directory/current.pb" "$etc/hub/directory.pb"
if "$bin/enlace-hub" --config "$etc/hub.conf" --check >"$work/check" 2>&1; then
  ok "the installed /etc/enlace/hub.conf passes enlace-hub --check with a real bundle"
else
  bad "enlace-hub --check on the installed hub.conf: $(cat "$work/check")"
fi
if "$bin/enlace-node" --config "$etc/node.conf" --check-config >"$work/check" 2>&1; then
  ok "the installed /etc/enlace/node.conf passes enlace-node --check-config"
else
  bad "enlace-node --check-config on the installed node.conf: $(cat "$work/check")"
fi
finish
