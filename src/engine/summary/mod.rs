//! `model.summary()` as Keras prints it, and the blank template handed to students.

pub mod json;
pub mod keras2;
pub mod keras3;

/// Keras' `readable_memory_size`: float32 weights 4 bytes each, `int64` of them 8 bytes;
/// 1024-based units.
pub fn memory(params: u64, int64: u64, byte_unit: &str) -> String {
    let units = [byte_unit, "KB", "MB", "GB", "TB", "PB"];
    let mut size = params as f64 * 4.0 + int64.min(params) as f64 * 4.0;
    for unit in units {
        if size / 1024.0 < 1.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}
