//! Reading a file record by record, each capped: a line, or for CSV a record whose quoted field
//! goes on over the line's end. A record longer than the cap is skipped and reported by its
//! length, never held; the file is never read whole. The exchange's token lists and Salesforce's
//! Login History exports are read this way.

use std::io::BufRead;

/// A record's first line (1-based), and its bytes or (too long) its length.
pub type Record = (usize, Result<Vec<u8>, usize>);

/// The records of a reader.
pub struct Records<R> {
    r: R,
    /// Physical lines read so far.
    line: usize,
    done: bool,
    max: usize,
    csv: bool,
}

impl<R> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl<R> Records<R> {
    /// Physical lines read so far.
    pub fn line(&self) -> usize {
        self.line
    }
}

impl<R: BufRead> Records<R> {
    /// Records of at most `max` bytes; `csv`: a record goes on while a quote is open.
    pub fn new(r: R, max: usize, csv: bool) -> Records<R> {
        Records {
            r,
            line: 0,
            done: false,
            max,
            csv,
        }
    }

    /// The next record; `None` at the end.
    pub fn next_record(&mut self) -> std::io::Result<Option<Record>> {
        let mut buf = Vec::new();
        Ok(self
            .next_record_into(&mut buf)?
            .map(|(line, r)| (line, r.map(|()| buf))))
    }

    /// The next record into `buf` (emptied first, its memory kept): its first line, and `Ok`
    /// or (too long) its length; `None` at the end.
    pub fn next_record_into(
        &mut self,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<Option<(usize, Result<(), usize>)>> {
        buf.clear();
        if self.done {
            return Ok(None);
        }
        let first = self.line + 1;
        let (mut len, mut cut, mut quotes) = (0usize, false, 0usize);
        loop {
            let before = buf.len();
            let (n, c) = read_line_capped(&mut self.r, buf, self.max + 1)?;
            if n == 0 {
                self.done = true;
                if len == 0 {
                    return Ok(None);
                }
                break;
            }
            self.line += 1;
            len += n;
            cut |= c;
            if self.csv && !cut {
                quotes += buf[before..].iter().filter(|b| **b == b'"').count();
                // A quoted field goes on over the line's end.
                if quotes % 2 == 1 {
                    continue;
                }
            }
            break;
        }
        Ok(Some((
            first,
            if cut || len > self.max {
                Err(len)
            } else {
                Ok(())
            },
        )))
    }
}

/// Reads one physical line (through its `\n`) into `buf`, keeping at most `cap` bytes of it:
/// the bytes it spans, and whether it was cut. 0 at the end of the input.
fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut total, mut cut) = (0, false);
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok((total, cut));
        }
        let (n, found) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        if n > room {
            cut = true;
            buf.extend_from_slice(&avail[..room]);
        } else {
            buf.extend_from_slice(&avail[..n]);
        }
        r.consume(n);
        total += n;
        if found {
            return Ok((total, cut));
        }
    }
}

/// The fields of one CSV record; `None` when a field is not UTF-8.
pub fn csv_fields(bytes: &[u8]) -> Option<Vec<String>> {
    let mut f = CsvFields::default();
    let n = f.parse(bytes)?;
    Some((0..n).filter_map(|i| f.get(i)).map(str::to_owned).collect())
}

/// Splits CSV records into fields (RFC 4180 quoting, as the csv crate reads it), keeping its
/// parser and buffers from one record to the next.
pub struct CsvFields {
    rdr: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    n: usize,
}

impl Default for CsvFields {
    fn default() -> CsvFields {
        CsvFields {
            rdr: csv_core::Reader::new(),
            out: vec![0; 1024],
            ends: vec![0; 32],
            n: 0,
        }
    }
}

impl std::fmt::Debug for CsvFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvFields").field("n", &self.n).finish()
    }
}

impl CsvFields {
    /// Reads one record (its bytes, with or without the line end): how many fields it has;
    /// `None` when a field is not UTF-8.
    pub fn parse(&mut self, bytes: &[u8]) -> Option<usize> {
        use csv_core::ReadRecordResult as R;
        self.rdr.reset();
        let (mut input, mut out_at, mut ends_at) = (bytes, 0usize, 0usize);
        loop {
            let (res, nin, nout, nend) =
                self.rdr
                    .read_record(input, &mut self.out[out_at..], &mut self.ends[ends_at..]);
            input = &input[nin..];
            out_at += nout;
            ends_at += nend;
            match res {
                R::InputEmpty => {
                    if input.is_empty() {
                        // The end of the record's bytes is the end of its input.
                        let (res, _, nout, nend) = self.rdr.read_record(
                            &[],
                            &mut self.out[out_at..],
                            &mut self.ends[ends_at..],
                        );
                        out_at += nout;
                        ends_at += nend;
                        if matches!(res, R::OutputFull | R::OutputEndsFull) {
                            self.grow(res);
                            continue;
                        }
                        break;
                    }
                }
                R::OutputFull | R::OutputEndsFull => self.grow(res),
                R::Record | R::End => break,
            }
        }
        // `ends` are relative to the start of this record's output.
        self.n = ends_at;
        let text = &self.out[..self.ends[..ends_at].last().copied().unwrap_or(0)];
        std::str::from_utf8(text).ok()?;
        Some(ends_at)
    }

    fn grow(&mut self, res: csv_core::ReadRecordResult) {
        if matches!(res, csv_core::ReadRecordResult::OutputFull) {
            let n = self.out.len() * 2;
            self.out.resize(n, 0);
        } else {
            let n = self.ends.len() * 2;
            self.ends.resize(n, 0);
        }
    }

    /// Field `i` of the last record parsed.
    pub fn get(&self, i: usize) -> Option<&str> {
        if i >= self.n {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        std::str::from_utf8(&self.out[start..self.ends[i]]).ok()
    }

    /// How many fields the last record had.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the last record had none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_field_spans_lines_and_a_long_record_is_skipped_by_length() {
        let text = b"a,b\n\"one\ntwo\",3\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nlast,1";
        let mut r = Records::new(&text[..], 20, true);
        assert_eq!(
            r.next_record().unwrap().unwrap(),
            (1, Ok(b"a,b\n".to_vec()))
        );
        let (line, rec) = r.next_record().unwrap().unwrap();
        assert_eq!(line, 2);
        assert_eq!(csv_fields(&rec.unwrap()).unwrap(), ["one\ntwo", "3"]);
        assert_eq!(r.next_record().unwrap().unwrap(), (4, Err(41)));
        assert_eq!(
            r.next_record().unwrap().unwrap(),
            (5, Ok(b"last,1".to_vec()))
        );
        assert!(r.next_record().unwrap().is_none());
        assert_eq!(r.line(), 5);
    }

    #[test]
    fn fields_are_read_as_the_csv_crate_reads_them() {
        for rec in [
            &b"a,b,c\n"[..],
            b"a,b,c",
            b"\"q,1\",\"he said \"\"hi\"\"\",\n",
            b"\n",
            b"",
            b"x\r\n",
            b"\"unclosed,a,b\n",
            b"caf\xc3\xa9,\"multi\nline\"\n",
        ] {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(rec);
            let mut want = csv::StringRecord::new();
            let want: Vec<String> = match rdr.read_record(&mut want) {
                Ok(true) => want.iter().map(str::to_owned).collect(),
                _ => Vec::new(),
            };
            assert_eq!(
                csv_fields(rec).unwrap(),
                want,
                "{:?}",
                String::from_utf8_lossy(rec)
            );
        }
        let long = format!("{},{}\n", "a".repeat(5000), "b".repeat(70));
        let mut f = CsvFields::default();
        assert_eq!(f.parse(long.as_bytes()), Some(2));
        assert_eq!(f.get(0).unwrap().len(), 5000);
        assert_eq!(f.get(1).unwrap(), "b".repeat(70));
        assert_eq!(f.get(2), None);
        assert_eq!(f.parse(b"\xff,a\n"), None);
        let many = "x,".repeat(100);
        assert_eq!(f.parse(many.as_bytes()), Some(101));
    }
}
