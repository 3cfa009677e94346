//! Which input devices exist and which of them are scanners.
//!
//! Discovery reads sysfs (`/sys/class/input/event*/device/…`), which anyone may read, so
//! that a device is listed with its name and USB ids even when its node cannot be opened —
//! which is exactly when an installer needs to see it. The stable links under
//! `/dev/input/by-id`, `/dev/input/by-path` and our udev rule's `/dev/input/scantrail` are
//! collected per device. Choosing is pure: a device is a scanner when it meets every
//! criterion of a `[[input.scanners]]` entry, or, with no entries, when it can type and its
//! USB vendor is one of [`KNOWN_SCANNER_VENDORS`] — never "every keyboard".

use crate::config::{InputConfig, Layout, ScannerConfig, UsbId};
use std::path::{Path, PathBuf};

/// USB vendors that make barcode scanners, as in `udev/70-scantrail-scanners.rules`.
pub const KNOWN_SCANNER_VENDORS: &[(u16, &str)] = &[
    (0x05e0, "Zebra/Symbol"),
    (0x0c2e, "Honeywell"),
    (0x05f9, "Datalogic"),
    (0x1eab, "Newland"),
    (0x067e, "Intermec"),
];

/// Where the kernel and udev publish input devices.
pub const SYS_CLASS_INPUT: &str = "/sys/class/input";
pub const DEV_INPUT: &str = "/dev/input";
/// Link folders searched for each device's stable names.
pub const LINK_DIRS: &[&str] = &["by-id", "by-path", "scantrail"];

/// One evdev device as the system describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceInfo {
    /// The device node, `/dev/input/eventN`.
    pub node: PathBuf,
    pub name: String,
    /// Bus type (3 = USB), vendor and product ids.
    pub bustype: u16,
    pub vendor: u16,
    pub product: u16,
    /// Stable links to the node (by-id, by-path, our udev rule's).
    pub links: Vec<PathBuf>,
    /// Whether it has the keys a scanner types with (Enter and the letters).
    pub can_type: bool,
}

/// Bus type of USB devices.
pub const BUS_USB: u16 = 0x03;

impl DeviceInfo {
    /// `vvvv:pppp`.
    pub fn usb_id(&self) -> String {
        format!("{:04x}:{:04x}", self.vendor, self.product)
    }

    /// The `/dev/input/by-id/…` link, if udev made one.
    pub fn by_id(&self) -> Option<&Path> {
        self.links
            .iter()
            .find(|l| l.parent().is_some_and(|p| p.ends_with("by-id")))
            .map(PathBuf::as_path)
    }

    /// The scanner maker, from the USB vendor id.
    pub fn maker(&self) -> Option<&'static str> {
        KNOWN_SCANNER_VENDORS
            .iter()
            .find(|(v, _)| *v == self.vendor && self.bustype == BUS_USB)
            .map(|(_, n)| *n)
    }
}

/// Lists the evdev devices under `sys_class_input` (their nodes under `dev_input`).
/// Devices that vanish while being read are left out. Sorted by node number.
pub fn discover_in(sys_class_input: &Path, dev_input: &Path) -> Vec<DeviceInfo> {
    let Ok(entries) = std::fs::read_dir(sys_class_input) else {
        return Vec::new();
    };
    let links = collect_links(dev_input);
    let mut devices: Vec<DeviceInfo> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            if !file.starts_with("event") {
                return None;
            }
            let dev = e.path().join("device");
            let read = |p: &str| std::fs::read_to_string(dev.join(p)).ok();
            let hex = |p: &str| read(p).and_then(|t| u16::from_str_radix(t.trim(), 16).ok());
            let name = read("name")?.trim().to_string();
            let node = dev_input.join(&file);
            let keys = read("capabilities/key").unwrap_or_default();
            Some(DeviceInfo {
                links: links
                    .iter()
                    .filter(|(_, target)| *target == node)
                    .map(|(link, _)| link.clone())
                    .collect(),
                node,
                name,
                bustype: hex("id/bustype").unwrap_or(0),
                vendor: hex("id/vendor").unwrap_or(0),
                product: hex("id/product").unwrap_or(0),
                can_type: has_key(&keys, 28) && has_key(&keys, 30),
            })
        })
        .collect();
    devices.sort_by_key(|d| event_number(&d.node));
    devices
}

/// The devices of this machine.
pub fn discover() -> Vec<DeviceInfo> {
    discover_in(Path::new(SYS_CLASS_INPUT), Path::new(DEV_INPUT))
}

fn event_number(node: &Path) -> u32 {
    node.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("event"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

/// (link, the node it points to) for every link in the link folders.
fn collect_links(dev_input: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for dir in LINK_DIRS {
        let dir = dev_input.join(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let link = e.path();
            if let Ok(target) = std::fs::read_link(&link) {
                let target = normalize(&dir.join(target));
                out.push((link, target));
            }
        }
    }
    out.sort();
    out
}

/// Resolves `.` and `..` without touching the file system (links are relative: `../event5`).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether bit `code` is set in a sysfs capability bitmap (hex words, most significant
/// first, each as wide as the kernel's `long`: 64 bits on the machines we run on).
fn has_key(bitmap: &str, code: usize) -> bool {
    let words: Vec<&str> = bitmap.split_whitespace().collect();
    let index = code / 64;
    if index >= words.len() {
        return false;
    }
    let word = words[words.len() - 1 - index];
    u64::from_str_radix(word, 16).is_ok_and(|w| w & (1 << (code % 64)) != 0)
}

/// What to call a chosen device and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub label: String,
    pub layout: Layout,
    /// Which rule chose it, in words for `scantrail devices`.
    pub because: String,
}

/// The scanner selection from `[input]`.
#[derive(Debug, Clone)]
pub struct Selection {
    entries: Vec<ScannerConfig>,
    layout: Layout,
}

impl Selection {
    pub fn from_config(input: &InputConfig) -> Selection {
        Selection {
            entries: input.scanners.clone(),
            layout: input.layout,
        }
    }

    /// Only the device at `path` (`scantrail devices --watch --device PATH`).
    pub fn only(path: &Path, layout: Layout) -> Selection {
        Selection {
            entries: vec![ScannerConfig {
                path: Some(path.to_path_buf()),
                ..ScannerConfig::default()
            }],
            layout,
        }
    }

    /// Whether the selection is the built-in "known scanner makers" rule.
    pub fn is_default(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `device` is a scanner, and what to call it.
    pub fn choose(&self, device: &DeviceInfo) -> Option<Chosen> {
        if self.entries.is_empty() {
            let maker = device.maker()?;
            return device.can_type.then(|| Chosen {
                label: device.name.clone(),
                layout: self.layout,
                because: format!("USB vendor {:04x} ({maker})", device.vendor),
            });
        }
        self.entries.iter().enumerate().find_map(|(i, e)| {
            entry_matches(e, device).then(|| Chosen {
                label: e.label.clone().unwrap_or_else(|| device.name.clone()),
                layout: e.layout.unwrap_or(self.layout),
                because: format!("[[input.scanners]] #{}", i + 1),
            })
        })
    }
}

fn entry_matches(e: &ScannerConfig, d: &DeviceInfo) -> bool {
    let path_ok = e.path.as_ref().is_none_or(|p| {
        *p == d.node
            || d.links.contains(p)
            || std::fs::canonicalize(p).is_ok_and(|real| real == d.node)
    });
    let name_ok = e.name.as_ref().is_none_or(|g| glob_match(g, &d.name));
    let usb_ok = e
        .usb
        .is_none_or(|u: UsbId| d.bustype == BUS_USB && u.matches(d.vendor, d.product));
    path_ok && name_ok && usb_ok
}

/// `*` (any run of characters) and `?` (one character) wildcards, case-sensitive.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_device(sys: &Path, event: &str, name: &str, ids: (u16, u16, u16), keys: &str) {
        let dev = sys.join(event).join("device");
        let id = dev.join("id");
        let caps = dev.join("capabilities");
        for d in [&id, &caps] {
            std::fs::create_dir_all(d).unwrap();
        }
        let write = |p: PathBuf, t: String| std::fs::write(p, t).unwrap();
        write(dev.join("name"), format!("{name}\n"));
        write(id.join("bustype"), format!("{:04x}\n", ids.0));
        write(id.join("vendor"), format!("{:04x}\n", ids.1));
        write(id.join("product"), format!("{:04x}\n", ids.2));
        write(caps.join("key"), format!("{keys}\n"));
    }

    // Enter (28) and A (30) set: the low word of a keyboard's bitmap.
    const KEYBOARD: &str = "1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe";
    const POWER_BUTTON: &str = "10000000000000 0";

    fn fake_system() -> (tempfile::TempDir, Vec<DeviceInfo>) {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path().join("sys");
        let dev = dir.path().join("dev");
        fake_device(&sys, "event0", "Power Button", (0x19, 0, 1), POWER_BUTTON);
        fake_device(
            &sys,
            "event3",
            "AT Translated Set 2 keyboard",
            (0x11, 1, 1),
            KEYBOARD,
        );
        fake_device(
            &sys,
            "event12",
            "Honeywell Imaging & Mobility 1900",
            (3, 0x0c2e, 0x0b61),
            KEYBOARD,
        );
        fake_device(
            &sys,
            "event5",
            "QEMU QEMU USB Keyboard",
            (3, 0x0627, 1),
            KEYBOARD,
        );
        std::fs::create_dir_all(sys.join("mouse0")).unwrap();
        let by_id = dev.join("by-id");
        std::fs::create_dir_all(&by_id).unwrap();
        std::os::unix::fs::symlink(
            "../event12",
            by_id.join("usb-Honeywell_Imaging___Mobility_1900-event-kbd"),
        )
        .unwrap();
        let devices = discover_in(&sys, &dev);
        (dir, devices)
    }

    #[test]
    fn discovery_reads_sysfs_and_links() {
        let (dir, devices) = fake_system();
        let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Power Button",
                "AT Translated Set 2 keyboard",
                "QEMU QEMU USB Keyboard",
                "Honeywell Imaging & Mobility 1900"
            ]
        );
        let honeywell = &devices[3];
        assert_eq!(honeywell.node, dir.path().join("dev/event12"));
        assert_eq!(honeywell.usb_id(), "0c2e:0b61");
        assert_eq!(
            honeywell.by_id(),
            Some(
                dir.path()
                    .join("dev/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd")
                    .as_path()
            )
        );
        assert!(honeywell.can_type);
        assert!(!devices[0].can_type);
    }

    #[test]
    fn default_selection_takes_known_scanner_makers_only() {
        let (_dir, devices) = fake_system();
        let sel = Selection::from_config(&InputConfig::default());
        let chosen: Vec<String> = devices
            .iter()
            .filter_map(|d| sel.choose(d))
            .map(|c| c.label)
            .collect();
        assert_eq!(chosen, ["Honeywell Imaging & Mobility 1900"]);
    }

    #[test]
    fn configured_entries_need_every_criterion() {
        let (dir, devices) = fake_system();
        let input = |entries: Vec<ScannerConfig>| InputConfig {
            scanners: entries,
            ..InputConfig::default()
        };
        let qemu_usb = ScannerConfig {
            label: Some("vm".into()),
            usb: Some(UsbId {
                vendor: 0x0627,
                product: Some(1),
            }),
            layout: Some(Layout::De),
            ..ScannerConfig::default()
        };
        let by_link = ScannerConfig {
            path: Some(
                dir.path()
                    .join("dev/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd"),
            ),
            ..ScannerConfig::default()
        };
        let wrong_name = ScannerConfig {
            name: Some("Zebra*".into()),
            ..qemu_usb.clone()
        };
        let sel = Selection::from_config(&input(vec![qemu_usb, by_link, wrong_name]));
        let chosen: Vec<(String, Layout)> = devices
            .iter()
            .filter_map(|d| sel.choose(d))
            .map(|c| (c.label, c.layout))
            .collect();
        assert_eq!(
            chosen,
            [
                ("vm".to_string(), Layout::De),
                ("Honeywell Imaging & Mobility 1900".to_string(), Layout::Us)
            ]
        );
        // A name glob alone, and vendor-only usb ids.
        let sel = Selection::from_config(&input(vec![ScannerConfig {
            name: Some("*Set ? keyboard".into()),
            ..ScannerConfig::default()
        }]));
        assert_eq!(
            devices.iter().filter(|d| sel.choose(d).is_some()).count(),
            1
        );
    }

    #[test]
    fn the_default_vendors_are_the_udev_rules_vendors() {
        let rules = include_str!("../../udev/70-scantrail-scanners.rules");
        let mut in_rules: Vec<u16> = rules
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split("ATTRS{idVendor}==\"").nth(1))
            .filter_map(|rest| u16::from_str_radix(rest.get(..4)?, 16).ok())
            .collect();
        let mut known: Vec<u16> = KNOWN_SCANNER_VENDORS.iter().map(|(v, _)| *v).collect();
        in_rules.sort_unstable();
        known.sort_unstable();
        assert_eq!(in_rules, known);
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "Honeywell*",
            "Honeywell Imaging & Mobility 1900"
        ));
        assert!(glob_match("*USB*Keyboard", "QEMU QEMU USB Keyboard"));
        assert!(glob_match("event?", "event5"));
        assert!(!glob_match("event?", "event12"));
        assert!(!glob_match("Zebra*", "Honeywell"));
        assert!(glob_match("*", ""));
    }
}
