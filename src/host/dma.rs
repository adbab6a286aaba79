//! `--cpu-dma-latency N`: hold a PM QoS CPU latency request for the length of a run. While
//! `/dev/cpu_dma_latency` stays open with a value written to it, the kernel keeps every core
//! out of idle states whose exit latency exceeds N microseconds; closing it ends the request.
//!
//! Owns opening the device and writing the value, and errors that say what to do. It never
//! changes sysfs and never keeps the request past the returned file.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// The PM QoS device.
pub const CPU_DMA_LATENCY: &str = "/dev/cpu_dma_latency";

/// Why a CPU latency request could not be held.
#[derive(Debug, thiserror::Error)]
pub enum CpuDmaLatencyError {
    /// The kernel takes a signed 32-bit value.
    #[error("--cpu-dma-latency {0}: the largest value the kernel takes is {max} us", max = i32::MAX)]
    TooLarge(u32),
    /// No such device (a container without it, or a kernel without PM QoS).
    #[error(
        "--cpu-dma-latency: {path} does not exist here (a container without the device?); drop the flag, \
         or limit C-states with tuning/cpu-power.sh"
    )]
    Missing { path: String },
    /// The device exists but this user may not write it.
    #[error(
        "--cpu-dma-latency: no permission to write {path} (it is root's by default); run as root, grant \
         write access with a udev rule (KERNEL==\"cpu_dma_latency\", GROUP=\"…\", MODE=\"0660\"), or drop the flag"
    )]
    NotPermitted { path: String },
    /// Any other failure to open or write it.
    #[error("--cpu-dma-latency: {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Asks the kernel to keep every core's wake-up latency at or below `us` microseconds (0:
/// no idle state but polling) for as long as the returned file stays open. Drop it to end
/// the request.
pub fn hold_cpu_dma_latency(us: u32) -> Result<File, CpuDmaLatencyError> {
    hold_at(Path::new(CPU_DMA_LATENCY), us)
}

/// [`hold_cpu_dma_latency`] on any path (tests use a regular file).
pub(crate) fn hold_at(path: &Path, us: u32) -> Result<File, CpuDmaLatencyError> {
    let value = i32::try_from(us).map_err(|_| CpuDmaLatencyError::TooLarge(us))?;
    let p = path.display().to_string();
    let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CpuDmaLatencyError::Missing { path: p.clone() },
        std::io::ErrorKind::PermissionDenied => CpuDmaLatencyError::NotPermitted { path: p.clone() },
        _ => CpuDmaLatencyError::Io { path: p.clone(), source: e },
    })?;
    // The device takes the value as 4 bytes in native order (or as hex text).
    f.write_all(&value.to_ne_bytes()).map_err(|e| CpuDmaLatencyError::Io { path: p, source: e })?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    #[test]
    fn writes_the_value_as_four_native_endian_bytes() {
        let h = FakeHost::new().file("dev/cpu_dma_latency", "");
        let p = h.root().join("dev/cpu_dma_latency");
        let f = hold_at(&p, 7).unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), 7i32.to_ne_bytes());
    }

    #[test]
    fn errors_name_the_flag_and_what_to_do() {
        let h = FakeHost::new();
        let e = hold_at(&h.root().join("dev/cpu_dma_latency"), 0).unwrap_err();
        assert!(matches!(e, CpuDmaLatencyError::Missing { .. }), "{e}");
        assert!(e.to_string().starts_with("--cpu-dma-latency: "), "{e}");
        let e = hold_at(&h.root().join("dev/cpu_dma_latency"), u32::MAX).unwrap_err();
        assert!(matches!(e, CpuDmaLatencyError::TooLarge(u32::MAX)), "{e}");
    }
}
