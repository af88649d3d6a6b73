//! A small XML tree and writer for the business documents suppliers exchange (UBL, cXML).
//!
//! Documents are read into an [`Element`] tree keyed by *local* names, so the other side may
//! bind namespaces to any prefix (`cbc:`, `ubl-cbc:`, a default namespace) and indent however
//! it likes; each element's namespace URI is kept so the document type can be checked. DTDs
//! are refused and nesting is bounded, so a hostile document cannot expand entities or exhaust
//! the stack. Documents are written with [`XmlWriter`], which escapes every text and attribute
//! value.

use quick_xml::NsReader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Namespace of UBL common aggregate components.
pub const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
/// Namespace of UBL common basic components.
pub const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Deepest element nesting accepted, so a hostile document cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// One element: local name, root namespace, attributes (local names), children and text.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Local name (`ID` for `cbc:ID`).
    pub name: String,
    /// Namespace URI the element's prefix is bound to, if any.
    pub namespace: Option<String>,
    /// Attributes by local name, namespace declarations left out.
    pub attrs: Vec<(String, String)>,
    /// Child elements, in document order.
    pub children: Vec<Element>,
    /// Concatenated character data directly inside the element.
    pub text: String,
}

impl Element {
    /// First child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a `/`-separated path of local names below this one.
    pub fn find(&self, path: &str) -> Option<&Element> {
        path.split('/')
            .try_fold(self, |element, step| element.child(step))
    }

    /// Trimmed, non-empty text of the element at `path`.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.find(path).and_then(Element::value)
    }

    /// Trimmed text of this element, `None` when empty.
    pub fn value(&self) -> Option<&str> {
        let t = self.text.trim();
        (!t.is_empty()).then_some(t)
    }

    /// Value of the attribute with this local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML.
    #[error("the body is not well-formed XML: {0}")]
    Malformed(String),
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("elements are nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// No root element, or text after it.
    #[error("the body has no single root element")]
    NoRoot,
}

/// Parse a whole document into its root element.
pub fn parse(input: &str) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(input);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        let namespace = match ns {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            _ => None,
        };
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::NoRoot);
                }
                stack.push(element_of(&start, namespace)?);
                if stack.len() > MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return Err(XmlError::NoRoot);
                }
                stack.push(element_of(&start, namespace)?);
                close(&mut stack, &mut root);
            }
            Event::End(_) => close(&mut stack, &mut root),
            Event::Text(text) => {
                let text = text
                    .decode()
                    .map_err(|e| XmlError::Malformed(e.to_string()))?;
                append_text(&mut stack, &text)?;
            }
            Event::CData(data) => {
                let text = data
                    .decode()
                    .map_err(|e| XmlError::Malformed(e.to_string()))?;
                append_text(&mut stack, &text)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| XmlError::Malformed(e.to_string()))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| XmlError::Malformed(e.to_string()))?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| XmlError::Malformed(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                append_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => {
                return Err(XmlError::Malformed(
                    "document type declarations are not accepted".into(),
                ));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or(XmlError::NoRoot)
}

fn element_of(
    start: &quick_xml::events::BytesStart<'_>,
    namespace: Option<String>,
) -> Result<Element, XmlError> {
    let mut element = Element {
        name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
        namespace,
        ..Element::default()
    };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attr
            .unescape_value()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        element.attrs.push((
            String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(element)
}

fn close(stack: &mut Vec<Element>, root: &mut Option<Element>) {
    if let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => *root = Some(done),
        }
    }
}

fn append_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(current) => {
            current.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(XmlError::NoRoot),
    }
}

/// Writes an indented XML document with escaped values.
#[derive(Debug)]
pub struct XmlWriter {
    buf: String,
    open: Vec<String>,
}

impl XmlWriter {
    /// A UBL document whose root `root` is in `urn:oasis:names:specification:ubl:schema:xsd:{root}-2`
    /// with the `cac`/`cbc` prefixes declared.
    pub fn ubl(root: &str) -> Self {
        let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        buf.push_str(&format!(
            "<{root} xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:{root}-2\" \
             xmlns:cac=\"{CAC}\" xmlns:cbc=\"{CBC}\">"
        ));
        XmlWriter {
            buf,
            open: vec![root.to_string()],
        }
    }

    /// A document with an arbitrary root and attributes (already containing namespaces).
    pub fn with_root(root: &str, attrs: &[(&str, &str)]) -> Self {
        let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        buf.push('<');
        buf.push_str(root);
        push_attrs(&mut buf, attrs);
        buf.push('>');
        XmlWriter {
            buf,
            open: vec![root.to_string()],
        }
    }

    fn indent(&mut self) {
        self.buf.push('\n');
        for _ in 0..self.open.len() {
            self.buf.push_str("  ");
        }
    }

    /// Open an element.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.start_with(name, &[])
    }

    /// Open an element with attributes.
    pub fn start_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        push_attrs(&mut self.buf, attrs);
        self.buf.push('>');
        self.open.push(name.to_string());
        self
    }

    /// Close the innermost open element.
    pub fn end(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.buf.push_str("</");
            self.buf.push_str(&name);
            self.buf.push('>');
        }
        self
    }

    /// An element holding only text.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.leaf_with(name, &[], text)
    }

    /// An element holding only text, with attributes.
    pub fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        push_attrs(&mut self.buf, attrs);
        self.buf.push('>');
        self.buf.push_str(&escape(text));
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// Insert an already serialised document's root element (its XML declaration removed).
    pub fn embed(&mut self, document: &str) -> &mut Self {
        let body = match document.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, b)| b),
            None => document,
        };
        self.buf.push('\n');
        self.buf.push_str(body.trim());
        self
    }

    /// Close every open element and return the text.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.buf.push('\n');
        self.buf
    }
}

fn push_attrs(buf: &mut String, attrs: &[(&str, &str)]) {
    for (k, v) in attrs {
        buf.push(' ');
        buf.push_str(k);
        buf.push_str("=\"");
        buf.push_str(&escape(*v));
        buf.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_do_not_matter_and_entities_are_resolved() {
        let doc = r#"<?xml version="1.0"?>
            <o:Order xmlns:o="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
                     xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
              <b:ID>PO &amp; 1&#33;</b:ID>
              <b:Note><![CDATA[<raw>]]></b:Note>
              <b:Quantity unitCode="C62"/>
            </o:Order>"#;
        let root = parse(doc).expect("parses");
        assert_eq!(root.name, "Order");
        assert_eq!(
            root.namespace.as_deref(),
            Some("urn:oasis:names:specification:ubl:schema:xsd:Order-2")
        );
        assert_eq!(root.text_at("ID"), Some("PO & 1!"));
        assert_eq!(root.text_at("Note"), Some("<raw>"));
        assert_eq!(
            root.find("Quantity").and_then(|q| q.attr("unitCode")),
            Some("C62")
        );
    }

    #[test]
    fn malformed_documents_are_refused() {
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(""), Err(XmlError::NoRoot)));
        assert!(matches!(parse("<a/><b/>"), Err(XmlError::NoRoot)));
        assert!(parse("<a>&unknown;</a>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(parse(&deep).map(|_| ()), Err(XmlError::TooDeep));
    }

    #[test]
    fn the_writer_escapes_and_round_trips() {
        let mut w = XmlWriter::ubl("Order");
        w.leaf("cbc:ID", "A<B & \"C\"")
            .start("cac:OrderLine")
            .leaf_with("cbc:Quantity", &[("unitCode", "C62")], "5")
            .end();
        let text = w.finish();
        let root = parse(&text).expect("own output parses");
        assert_eq!(root.text_at("ID"), Some("A<B & \"C\""));
        assert_eq!(root.text_at("OrderLine/Quantity"), Some("5"));
    }
}
