//! Home-made JSON feeds read through a [`Mapping`] of JSON pointers (`items` points at the
//! array of offers, each field at a value inside one offer; `a|b` alternatives and `=constant`
//! as for XML). The France Travail "Offres d'emploi v2" preset is such a mapping.

use serde_json::Value;

use super::{Field, Format, Mapping, ParseError, RawItem};

/// The mapping a format implies.
pub fn preset(format: Format) -> Option<Mapping> {
    let fields: &[(Field, &str)] = match format {
        Format::FranceTravail => &[
            (Field::Reference, "/id"),
            (Field::Title, "/intitule"),
            (Field::Description, "/description"),
            (Field::Published, "/dateCreation"),
            (Field::Updated, "/dateActualisation"),
            (Field::Location, "/lieuTravail/libelle"),
            (Field::Postcode, "/lieuTravail/codePostal"),
            (Field::Insee, "/lieuTravail/commune"),
            (Field::Employer, "/entreprise/nom"),
            (Field::Contract, "/typeContrat|/typeContratLibelle"),
            (Field::ContractNature, "/natureContrat"),
            (Field::Duration, "/typeContratLibelle"),
            (Field::Salary, "/salaire/libelle|/salaire/commentaire"),
            (
                Field::WorkingTime,
                "/dureeTravailLibelle+/dureeTravailLibelleConverti",
            ),
            (Field::Sector, "/secteurActiviteLibelle|/appellationlibelle"),
            (
                Field::Link,
                "/origineOffre/urlOrigine|/contact/urlPostulation",
            ),
            (Field::ApplyUrl, "/contact/urlPostulation"),
        ],
        _ => return None,
    };
    Some(Mapping {
        items: "/resultats".into(),
        fields: fields.iter().map(|(f, p)| (*f, p.to_string())).collect(),
        ..Mapping::default()
    })
}

pub fn parse(
    text: &str,
    mapping: &Mapping,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawItem>, ParseError> {
    let mut doc: Value = serde_json::from_str(text).map_err(|e| ParseError(json_error(&e)))?;
    let list = doc.pointer_mut(mapping.items.trim()).ok_or_else(|| {
        ParseError(format!(
            "no value at {:?}; check [feed.mapping] items",
            mapping.items
        ))
    })?;
    let Value::Array(list) = list.take() else {
        return Err(ParseError(format!(
            "the value at {:?} is not an array of offers",
            mapping.items
        )));
    };
    let mut items = Vec::with_capacity(list.len());
    for (index, value) in list.into_iter().enumerate() {
        if !value.is_object() {
            warnings.push(format!("item {}: not a JSON object, skipped", index + 1));
            continue;
        }
        let mut item = RawItem::default();
        for (field, expr) in &mapping.fields {
            if let Some(v) = evaluate(&value, expr) {
                item.set(*field, &v, false);
            }
        }
        if item.title.is_none() {
            warnings.push(format!(
                "item {} ({}): no title",
                index + 1,
                item.reference.as_deref().unwrap_or("no id")
            ));
        }
        item.source = value;
        items.push(item);
    }
    Ok(items)
}

/// "not valid JSON: ... (line 3, column 12)"; serde_json's nesting limit named as such.
pub fn json_error(e: &serde_json::Error) -> String {
    let what = if e.to_string().starts_with("recursion limit exceeded") {
        "values nested more than 128 deep".to_string()
    } else {
        e.to_string()
    };
    format!(
        "not valid JSON: {what} (line {}, column {})",
        e.line(),
        e.column()
    )
}

/// How many values the array at `pointer` holds (0 when the text is not JSON or holds no
/// array there).
pub fn array_len(text: &str, pointer: &str) -> usize {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|doc| {
            doc.pointer(pointer.trim())
                .and_then(Value::as_array)
                .map(Vec::len)
        })
        .unwrap_or(0)
}

fn evaluate(item: &Value, expr: &str) -> Option<String> {
    if let Some(constant) = expr.strip_prefix('=') {
        return Some(constant.to_string()).filter(|c| !c.is_empty());
    }
    // `a|b`: the first present; `a+b`: every present one, joined ("35H Travail en journée,
    // Temps plein").
    expr.split('|').find_map(|alt| {
        let parts: Vec<String> = alt
            .split('+')
            .filter_map(|pointer| json_pointer(item, pointer.trim()).and_then(scalar_text))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    })
}

/// `Value::pointer` (RFC 6901) without its two allocations per token: a token is unescaped
/// only when it holds a `~`.
fn json_pointer<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    pointer.split('/').skip(1).try_fold(value, |target, raw| {
        let token: std::borrow::Cow<'_, str> = if raw.contains('~') {
            raw.replace("~1", "/").replace("~0", "~").into()
        } else {
            raw.into()
        };
        match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(list) => array_index(&token).and_then(|x| list.get(x)),
            _ => None,
        }
    })
}

/// An array index as serde_json reads one in a pointer: no sign, no leading zero.
fn array_index(s: &str) -> Option<usize> {
    if s.starts_with('+') || (s.starts_with('0') && s.len() != 1) {
        return None;
    }
    s.parse().ok()
}

/// Text of a scalar (or of an array of scalars, joined), None for objects and nulls.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(list) => {
            let parts: Vec<String> = list.iter().filter_map(scalar_text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn france_travail_results() {
        let text = r#"{"resultats":[{"id":"201ZXYB","intitule":"Moniteur éducateur (H/F)","description":"Au sein d'un foyer...","dateCreation":"2026-11-18T09:12:04.000Z","dateActualisation":"2026-11-19T10:00:00.000Z","lieuTravail":{"libelle":"51 - REIMS","latitude":49.25,"longitude":4.03,"codePostal":"51100","commune":"51454"},"entreprise":{"nom":"ASSOCIATION LES PAPILLONS BLANCS"},"typeContrat":"CDD","typeContratLibelle":"Contrat à durée déterminée - 6 Mois","natureContrat":"Contrat travail","salaire":{"libelle":"Mensuel de 1900,00 Euros à 2100,00 Euros sur 12 mois"},"dureeTravailLibelleConverti":"Temps plein","origineOffre":{"urlOrigine":"https://candidat.francetravail.fr/offres/recherche/detail/201ZXYB"}},{"id":7}],"filtresPossibles":[]}"#;
        let mut w = Vec::new();
        let items = parse(text, &preset(Format::FranceTravail).unwrap(), &mut w).unwrap();
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.reference.as_deref(), Some("201ZXYB"));
        assert_eq!(a.location.as_deref(), Some("51 - REIMS"));
        assert_eq!(a.insee.as_deref(), Some("51454"));
        assert_eq!(a.contract.as_deref(), Some("CDD"));
        assert_eq!(a.contract_nature.as_deref(), Some("Contrat travail"));
        assert_eq!(
            a.duration.as_deref(),
            Some("Contrat à durée déterminée - 6 Mois")
        );
        assert_eq!(
            a.employer.as_deref(),
            Some("ASSOCIATION LES PAPILLONS BLANCS")
        );
        assert_eq!(
            a.link.as_deref(),
            Some("https://candidat.francetravail.fr/offres/recherche/detail/201ZXYB")
        );
        assert_eq!(items[1].reference.as_deref(), Some("7"));
        assert_eq!(w, vec!["item 2 (7): no title".to_string()]);
    }

    #[test]
    fn pointers_agree_with_serde_json() {
        let doc: Value = serde_json::from_str(
            r#"{"a":{"b/c":1,"d~e":[10,{"f":"x"}],"":{"":2}},"0":3,"g":[4,5],"~1":6,"~0":7}"#,
        )
        .unwrap();
        for p in [
            "",
            "/",
            "//",
            "/a",
            "/a/b~1c",
            "/a/d~0e",
            "/a/d~0e/1/f",
            "/a/d~0e/01",
            "/a/d~0e/+1",
            "/a/d~0e/2",
            "/0",
            "/g/0",
            "/g/1",
            "/g/-1",
            "/g/00",
            "/~01",
            "/~00",
            "/~1",
            "/a/b",
            "a",
            "/a/",
            "/a//",
            "/g/1/x",
            "/~",
            "/a/d~0e/1/f/",
        ] {
            assert_eq!(json_pointer(&doc, p), doc.pointer(p), "{p:?}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let m = preset(Format::FranceTravail).unwrap();
        let mut w = Vec::new();
        assert!(parse("{\"resultats\": [", &m, &mut w)
            .unwrap_err()
            .0
            .starts_with("not valid JSON"));
        assert_eq!(
            parse("{\"offres\": []}", &m, &mut w).unwrap_err().0,
            "no value at \"/resultats\"; check [feed.mapping] items"
        );
        assert_eq!(
            parse("{\"resultats\": {}}", &m, &mut w).unwrap_err().0,
            "the value at \"/resultats\" is not an array of offers"
        );
    }

    #[test]
    fn custom_pointers_top_level_array_and_arrays_joined() {
        let m = Mapping {
            items: String::new(),
            fields: vec![
                (Field::Title, "/poste".into()),
                (Field::Sector, "/themes".into()),
                (Field::Remote, "/teletravail".into()),
            ],
            ..Mapping::default()
        };
        let mut w = Vec::new();
        let items = parse(
            r#"[{"poste":"Juriste","themes":["Droit","Logement"],"teletravail":true}, 3]"#,
            &m,
            &mut w,
        )
        .unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].sector.as_deref(), Some("Droit, Logement"));
        assert_eq!(items[0].remote.as_deref(), Some("true"));
        assert_eq!(w, vec!["item 2: not a JSON object, skipped".to_string()]);
    }
}
