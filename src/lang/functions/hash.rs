//! Hash functions: md5 sha1 sha256 sha512 base64sha256 base64sha512, their `file*` variants
//! (filemd5 filesha1 filesha256 filesha512 filebase64sha256 filebase64sha512), and uuid.

use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::encoding::BASE64;
use super::filesystem::read_file_bytes;
use super::{ret_string, Args, FuncError, Spec, STR};
use crate::lang::{Type, Value};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("md5", &[STR], ret_string, |a| {
        Ok(hex::<Md5>(a.str(0).as_bytes()))
    }),
    Spec::new("sha1", &[STR], ret_string, |a| {
        Ok(hex::<Sha1>(a.str(0).as_bytes()))
    }),
    Spec::new("sha256", &[STR], ret_string, |a| {
        Ok(hex::<Sha256>(a.str(0).as_bytes()))
    }),
    Spec::new("sha512", &[STR], ret_string, |a| {
        Ok(hex::<Sha512>(a.str(0).as_bytes()))
    }),
    Spec::new("base64sha256", &[STR], ret_string, |a| {
        Ok(b64::<Sha256>(a.str(0).as_bytes()))
    }),
    Spec::new("base64sha512", &[STR], ret_string, |a| {
        Ok(b64::<Sha512>(a.str(0).as_bytes()))
    }),
    Spec::new("filemd5", &[STR], ret_string, |a| file_hash(&a, hex::<Md5>)),
    Spec::new("filesha1", &[STR], ret_string, |a| {
        file_hash(&a, hex::<Sha1>)
    }),
    Spec::new("filesha256", &[STR], ret_string, |a| {
        file_hash(&a, hex::<Sha256>)
    }),
    Spec::new("filesha512", &[STR], ret_string, |a| {
        file_hash(&a, hex::<Sha512>)
    }),
    Spec::new("filebase64sha256", &[STR], ret_string, |a| {
        file_hash(&a, b64::<Sha256>)
    }),
    Spec::new("filebase64sha512", &[STR], ret_string, |a| {
        file_hash(&a, b64::<Sha512>)
    }),
    Spec::new("uuid", &[], ret_string, uuid),
];

fn hex<D: Digest>(data: &[u8]) -> Value {
    let digest = D::digest(data);
    Value::string(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

fn b64<D: Digest>(data: &[u8]) -> Value {
    Value::string(BASE64.encode(D::digest(data)))
}

fn file_hash(a: &Args, hash: fn(&[u8]) -> Value) -> Result<Value, FuncError> {
    Ok(hash(&read_file_bytes(a)?))
}

/// A random v4 UUID; unknown while planning, as in Terraform.
fn uuid(a: Args) -> Result<Value, FuncError> {
    if a.ctx.plan_time {
        return Ok(Value::unknown(Type::String));
    }
    Ok(Value::string(uuid::Uuid::new_v4().to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{call, FuncContext};
    use std::path::PathBuf;

    #[test]
    fn digests() {
        assert_eq!(
            show("md5", vec![s("hello world")]),
            r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#
        );
        assert_eq!(
            show("sha1", vec![s("hello world")]),
            r#""2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#
        );
        assert_eq!(
            show("sha256", vec![s("hello world")]),
            r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#
        );
        assert_eq!(
            show("sha512", vec![s("hello world")]),
            r#""309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f""#
        );
        assert_eq!(
            show("base64sha256", vec![s("hello world")]),
            r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#
        );
        assert_eq!(
            show("md5", vec![secret("hello world")]),
            "(sensitive value)"
        );
        assert_eq!(show("sha256", vec![unknown_str()]), "(known after apply)");
    }

    #[test]
    fn file_digests() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), "hello world").unwrap();
        let ctx = FuncContext {
            base_dir: dir.path().to_path_buf(),
            plan_time: false,
        };
        let r = |name: &str| call(name, vec![s("f.txt")], &ctx).unwrap().to_string();
        assert_eq!(r("filemd5"), r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#);
        assert_eq!(
            r("filesha256"),
            r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#
        );
        assert_eq!(
            r("filebase64sha256"),
            r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#
        );
    }

    #[test]
    fn uuids() {
        let u = run("uuid", vec![]).unwrap();
        let text = u.as_str().unwrap().to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.chars().nth(14), Some('4'));
        assert_ne!(run("uuid", vec![]).unwrap(), u);
        let plan = FuncContext {
            base_dir: PathBuf::from("."),
            plan_time: true,
        };
        assert_eq!(
            call("uuid", vec![], &plan).unwrap().to_string(),
            "(known after apply)"
        );
    }
}
