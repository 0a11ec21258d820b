//! Opaque identifiers: service codes, request ids, tokens and the like.
//!
//! Real servers use codes with leading zeros (`001`), spaces, `&`, `/` and hex object ids, and
//! JSON servers send some of them as numbers. Every identifier is therefore kept as the exact
//! text the server sent and compared byte for byte; none is ever parsed as a number.

use std::borrow::Borrow;
use std::fmt;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps `id` without checking it; identifiers are opaque text.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as the server sent it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the inner string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

identifier! {
    /// The `service_code` of a service type, as listed by GET services.
    ///
    /// ```
    /// use open311_types::ServiceCode;
    ///
    /// let code = ServiceCode::new("001");
    /// assert_eq!(code.as_str(), "001");
    /// assert_ne!(code, ServiceCode::new("1"));
    /// ```
    ServiceCode
}

identifier! {
    /// The `service_request_id` a server gives a service request.
    ServiceRequestId
}

identifier! {
    /// The `token` a batch service returns instead of a `service_request_id`.
    Token
}

identifier! {
    /// The `code` of an attribute in a service definition.
    AttributeCode
}

identifier! {
    /// The `update_id` of a service request update (mySociety updates extension).
    UpdateId
}

identifier! {
    /// The `jurisdiction_id` that picks one city on a multi-city endpoint.
    JurisdictionId
}
