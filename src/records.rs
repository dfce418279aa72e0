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
        if self.done {
            return Ok(None);
        }
        let first = self.line + 1;
        let (mut buf, mut len, mut cut, mut quotes) = (Vec::new(), 0usize, false, 0usize);
        loop {
            let before = buf.len();
            let (n, c) = read_line_capped(&mut self.r, &mut buf, self.max + 1)?;
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
                Ok(buf)
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

/// The fields of one CSV record; `None` when it is not CSV.
pub fn csv_fields(bytes: &[u8]) -> Option<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => Some(rec.iter().map(str::to_owned).collect()),
        Ok(false) => Some(Vec::new()),
        Err(_) => None,
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
}
