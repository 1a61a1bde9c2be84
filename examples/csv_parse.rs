//! The reference point of `tools/bench/scale.sh`: a bare csv-crate parse of a file (every
//! record read, nothing else), as fast as reading an export can be.
fn main() {
    let path = std::env::args().nth(1).expect("usage: csv_parse FILE");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .expect("readable CSV");
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    while reader.read_byte_record(&mut record).expect("CSV record") {
        rows += 1;
    }
    println!("{rows} records");
}
