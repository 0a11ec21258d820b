//! GET Service Definition: the attributes a service asks for when a request is posted.

use crate::codec::{
    Ctx, FieldSink, FieldSource, Record, SpecEnum, extend_list, require, serialize_record,
};
use crate::deviation::DeviationKind;
use crate::error::Error;
use crate::extension::Extensions;
use crate::id::{AttributeCode, ServiceCode};

/// The attributes of one service, from GET services/{service_code}.
///
/// ```
/// use open311_types::{Attribute, Datatype, ServiceDefinition};
///
/// let mut definition = ServiceDefinition::new("DMV66");
/// let mut make = Attribute::new("WHISHETN", Datatype::SingleValueList);
/// make.required = Some(true);
/// make.values.push(open311_types::AttributeValue::new("123", "Ford"));
/// definition.attributes.push(make);
/// assert!(definition.attribute("WHISHETN").unwrap().is_required());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServiceDefinition {
    /// The `service_code` the definition belongs to.
    pub service_code: ServiceCode,
    /// `attributes`, in document order; see [`ServiceDefinition::sorted_attributes`].
    pub attributes: Vec<Attribute>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl ServiceDefinition {
    /// A definition with no attributes.
    pub fn new(service_code: impl Into<ServiceCode>) -> Self {
        ServiceDefinition {
            service_code: service_code.into(),
            attributes: Vec::new(),
            extensions: Extensions::new(),
        }
    }

    /// The attribute with `code`.
    pub fn attribute(&self, code: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.code == *code)
    }

    /// The attributes in the order to show them: by `order`, then as listed.
    pub fn sorted_attributes(&self) -> Vec<&Attribute> {
        let mut sorted: Vec<&Attribute> = self.attributes.iter().collect();
        sorted.sort_by_key(|attribute| attribute.order.unwrap_or(u32::MAX));
        sorted
    }
}

/// One `attribute` of a service definition: a question to ask, or information to show.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Attribute {
    /// `variable`: `true` when the user answers it, `false` when it only informs.
    pub variable: Option<bool>,
    /// The attribute's `code`, the key of `attribute[code]` in a POST.
    pub code: AttributeCode,
    /// `datatype`: the kind of answer.
    pub datatype: Option<Datatype>,
    /// `required`: whether a POST must answer it.
    pub required: Option<bool>,
    /// `datatype_description`: help for giving the answer.
    pub datatype_description: Option<String>,
    /// `order`: where to show it, 1 first.
    pub order: Option<u32>,
    /// `description`: the question itself.
    pub description: Option<String>,
    /// `values`: the choices of a list datatype.
    pub values: Vec<AttributeValue>,
    /// `automated`: set by the client or server, not the user (mySociety extension), such as
    /// `server_set` or `hidden_field`.
    pub automated: Option<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl Attribute {
    /// A variable, optional attribute.
    pub fn new(code: impl Into<AttributeCode>, datatype: Datatype) -> Self {
        Attribute {
            variable: Some(true),
            code: code.into(),
            datatype: Some(datatype),
            required: Some(false),
            datatype_description: None,
            order: None,
            description: None,
            values: Vec::new(),
            automated: None,
            extensions: Extensions::new(),
        }
    }

    /// Whether the user answers it; absent means yes.
    pub fn is_variable(&self) -> bool {
        self.variable.unwrap_or(true)
    }

    /// Whether a POST must answer it; absent means no.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// The choice with `key`.
    pub fn value(&self, key: &str) -> Option<&AttributeValue> {
        self.values.iter().find(|value| value.key == key)
    }
}

/// The `datatype` of an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Datatype {
    /// `string`: one line of text.
    String,
    /// `number`: a numeric value.
    Number,
    /// `datetime`: a W3C datetime.
    Datetime,
    /// `text`: text that may span lines.
    Text,
    /// `singlevaluelist`: one key of `values`.
    SingleValueList,
    /// `multivaluelist`: any number of keys of `values`.
    MultiValueList,
    /// A value the spec does not list, as sent; validated as text.
    Other(String),
}

impl Datatype {
    /// The value as written in documents.
    pub fn as_str(&self) -> &str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::SingleValueList => "singlevaluelist",
            Datatype::MultiValueList => "multivaluelist",
            Datatype::Other(other) => other,
        }
    }

    /// Whether the answer is chosen from `values`.
    pub fn is_list(&self) -> bool {
        matches!(self, Datatype::SingleValueList | Datatype::MultiValueList)
    }
}

impl SpecEnum for Datatype {
    const VALUES: &'static [(&'static str, Self)] = &[
        ("string", Datatype::String),
        ("number", Datatype::Number),
        ("datetime", Datatype::Datetime),
        ("text", Datatype::Text),
        ("singlevaluelist", Datatype::SingleValueList),
        ("multivaluelist", Datatype::MultiValueList),
    ];
    const UNKNOWN: DeviationKind = DeviationKind::UnknownEnumValue;

    fn other(text: String) -> Self {
        Datatype::Other(text)
    }
}

/// One choice (`value`) of a list attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AttributeValue {
    /// `key`: what a POST sends.
    pub key: String,
    /// `name`: what people see.
    pub name: Option<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl AttributeValue {
    /// A choice with a key and a name.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        AttributeValue {
            key: key.into(),
            name: Some(name.into()),
            extensions: Extensions::new(),
        }
    }
}

impl Record for ServiceDefinition {
    const ITEM: &'static str = "service_definition";

    fn empty() -> Self {
        ServiceDefinition::new("")
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let extensions = &mut self.extensions;
        match name {
            "service_code" => source.set_id("service_code", &mut self.service_code, extensions),
            "attributes" => {
                source.ctx().enter("attributes");
                let attributes = source.records::<Attribute>()?;
                source.ctx().leave();
                extend_list(source.ctx(), "attributes", &mut self.attributes, attributes)
            }
            "attribute" => {
                source
                    .ctx()
                    .deviate(DeviationKind::AttributesWithoutWrapper)?;
                source.ctx().enter_item("attribute", self.attributes.len());
                self.attributes.push(source.record::<Attribute>()?);
                source.ctx().leave();
                Ok(())
            }
            _ => source.keep(name, extensions),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "service_code", self.service_code.as_str())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("service_code", self.service_code.as_str())?;
        sink.records("attributes", &self.attributes)?;
        sink.extensions(&self.extensions)
    }
}

impl Record for Attribute {
    const ITEM: &'static str = "attribute";

    fn empty() -> Self {
        Attribute {
            variable: None,
            datatype: None,
            required: None,
            ..Attribute::new("", Datatype::String)
        }
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let extensions = &mut self.extensions;
        match name {
            "variable" => source.set("variable", &mut self.variable, extensions),
            "code" => source.set_id("code", &mut self.code, extensions),
            "datatype" => source.set("datatype", &mut self.datatype, extensions),
            "required" => source.set("required", &mut self.required, extensions),
            "datatype_description" => source.set(
                "datatype_description",
                &mut self.datatype_description,
                extensions,
            ),
            "order" => source.set("order", &mut self.order, extensions),
            "description" => source.set("description", &mut self.description, extensions),
            "values" => {
                source.ctx().enter("values");
                let values = source.records::<AttributeValue>()?;
                source.ctx().leave();
                extend_list(source.ctx(), "values", &mut self.values, values)
            }
            "automated" => source.set("automated", &mut self.automated, extensions),
            _ => source.keep(name, extensions),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "code", self.code.as_str())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.opt_boolean("variable", self.variable)?;
        sink.text("code", self.code.as_str())?;
        sink.opt_text("datatype", &self.datatype.as_ref().map(Datatype::as_str))?;
        sink.opt_boolean("required", self.required)?;
        sink.opt_text("datatype_description", &self.datatype_description)?;
        if let Some(order) = self.order {
            sink.integer("order", u64::from(order))?;
        }
        sink.opt_text("description", &self.description)?;
        if !self.values.is_empty() {
            sink.records("values", &self.values)?;
        }
        sink.opt_text("automated", &self.automated)?;
        sink.extensions(&self.extensions)
    }
}

impl Record for AttributeValue {
    const ITEM: &'static str = "value";

    fn empty() -> Self {
        AttributeValue {
            key: String::new(),
            name: None,
            extensions: Extensions::new(),
        }
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let extensions = &mut self.extensions;
        match name {
            "key" => {
                let mut key = None;
                source.set("key", &mut key, extensions)?;
                if let Some(crate::codec::Trimmed(key)) = key {
                    self.key = key;
                }
                Ok(())
            }
            "name" => source.set("name", &mut self.name, extensions),
            _ => source.keep(name, extensions),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "key", &self.key)
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("key", &self.key)?;
        sink.opt_text("name", &self.name)?;
        sink.extensions(&self.extensions)
    }
}

serialize_record!(ServiceDefinition, Attribute, AttributeValue);
