//! The one error type of the `cert` module. Every variant names the input it concerns and
//! [`Error::hint`] says what to do. Messages never contain key material or passwords.

use super::paste::PasteError;
use crate::files::WriteError;

/// Why a certificate or key operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be read.
    #[error("cannot read {input}: {reason}")]
    Read {
        /// File name or `-`.
        input: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The input is empty.
    #[error("{input} is empty")]
    Empty {
        /// File name or `-`.
        input: String,
    },
    /// A pasted certificate could not be repaired.
    #[error("{input}: {source}")]
    Paste {
        /// File name or `-`.
        input: String,
        /// Where the paste breaks.
        source: PasteError,
    },
    /// Binary data that is neither a DER certificate nor PKCS#12.
    #[error("{input} is binary, but neither a DER certificate nor a PKCS#12 (.pfx) file")]
    UnknownBinary {
        /// File name or `-`.
        input: String,
    },
    /// A block decoded, but is not a valid X.509 certificate.
    #[error("{input}: certificate #{index} is not valid X.509: {detail}")]
    Unparseable {
        /// File name or `-`.
        input: String,
        /// 1-based position in the input.
        index: usize,
        /// The parser's reason.
        detail: String,
    },
    /// A PKCS#12 file or encrypted key needs a password and none was given.
    #[error("{input} is protected by a password")]
    PasswordNeeded {
        /// File name or `-`.
        input: String,
    },
    /// The password does not open the file.
    #[error("the password does not open {input}")]
    WrongPassword {
        /// File name or `-`.
        input: String,
    },
    /// A PKCS#12 file that we cannot read.
    #[error("{input}: cannot read this PKCS#12 file: {detail}")]
    Pkcs12 {
        /// File name or `-`.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// A PKCS#12 file without certificates.
    #[error("{input} holds no certificate")]
    NoCertificateInPkcs12 {
        /// File name or `-`.
        input: String,
    },
    /// A certificate or public key that cannot check an RSA-SHA1 signature.
    #[error("{input}: {detail}")]
    VerifyingKey {
        /// File name or `-`.
        input: String,
        /// What is wrong (not RSA, unreadable).
        detail: String,
    },
    /// A private key file that we cannot read.
    #[error("{input}: {detail}")]
    Key {
        /// File name or `-`.
        input: String,
        /// What is wrong (never the key itself).
        detail: String,
    },
    /// A key that is not RSA.
    #[error("{input} holds a {algorithm} key; RSA-SHA1 signs with RSA keys only")]
    NotRsa {
        /// File name or `-`.
        input: String,
        /// The key's algorithm.
        algorithm: String,
    },
    /// A key size we refuse to generate.
    #[error("{bits}-bit RSA keys are not offered")]
    KeySize {
        /// The size asked for.
        bits: usize,
    },
    /// A subject we cannot encode.
    #[error("invalid subject: {detail}")]
    Subject {
        /// What is wrong.
        detail: String,
    },
    /// A validity period we cannot encode.
    #[error("invalid validity: {detail}")]
    Validity {
        /// What is wrong.
        detail: String,
    },
    /// Certificate generation failed inside the signer.
    #[error("cannot create the certificate: {detail}")]
    Generate {
        /// What is wrong.
        detail: String,
    },
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl Error {
    /// What the user should do about it.
    pub fn hint(&self) -> String {
        match self {
            Error::Read { .. } => "check the path and that you may read it".into(),
            Error::Empty { .. } => "paste or pass the certificate itself (the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)".into(),
            Error::Paste { source, .. } => source.hint().into(),
            Error::UnknownBinary { .. } => "pass a certificate (.cer, .pem, .der) or a .pfx file; `oauth1to2 cert inspect` reads all of them".into(),
            Error::Unparseable { .. } => "the certificate is malformed (the fields that could be read are shown above, with its fingerprints): ask its issuer for a corrected one or copy it again from the original source, and check it is not a request or a key".into(),
            Error::PasswordNeeded { .. } => "give the password of the .pfx file, from an environment variable or a file, or type it at a terminal".into(),
            Error::WrongPassword { .. } => "check the password; passwords are case-sensitive and a file's trailing newline is ignored".into(),
            Error::Pkcs12 { .. } => "re-export it, or check it with `openssl pkcs12 -info -in FILE`".into(),
            Error::NoCertificateInPkcs12 { .. } => "export the .pfx again with its certificate included".into(),
            Error::VerifyingKey { .. } => "pass the certificate the provider holds, or an RSA public key in PEM (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)".into(),
            Error::Key { .. } => "pass the private key as PEM (PKCS#1 or PKCS#8, encrypted or not), DER, or a .pfx file".into(),
            Error::NotRsa { .. } => "use the RSA key whose certificate the provider holds".into(),
            Error::KeySize { bits } if *bits < 2048 => "keys under 2048 bits can be factored with public resources and are refused by today's linters (old instructions said 1024): make one of 2048 (the default), 3072 or 4096 bits".into(),
            Error::KeySize { .. } => "make one of 2048 (the default), 3072 or 4096 bits".into(),
            Error::Subject { .. } => "give a common name, an organisation or both (and optionally a unit, a country and an e-mail address), or a whole subject such as \"C=NZ, O=Example Ltd, CN=Example app\"".into(),
            Error::Validity { .. } => "give between 1 and 36500 days".into(),
            Error::Generate { .. } => "the signer refused these settings: try the defaults (RSA 2048, 1825 days); if those fail too, report it with the command you ran".into(),
            Error::Write(WriteError::Exists { .. }) => "write it somewhere else, move the file away, or ask for it to be replaced".into(),
            Error::Write(WriteError::Io { .. }) => "check that the folder exists and that you may write to it".into(),
        }
    }
}
