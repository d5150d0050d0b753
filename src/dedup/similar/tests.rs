use super::employer::employers_differ;
use super::title::role_shared;
use super::*;
use crate::model::Offer;
use crate::model::{Contract, Location, Place};

fn offer(
    employer: Option<&str>,
    title: &str,
    commune: &str,
    dept: &str,
    contract: Option<Contract>,
    text: &str,
) -> Offer {
    Offer {
        employer: employer.map(Into::into),
        title: title.into(),
        title_raw: title.into(),
        location: Location {
            place: Place {
                commune: Some(commune.into()),
                department: Some(dept.into()),
                ..Default::default()
            },
            ..Default::default()
        },
        contract,
        description_text: text.into(),
        ..Default::default()
    }
}

const TEXT: &str = "La Fédération Léo Lagrange Centre-Est recrute des animateurs pour ses accueils \
    périscolaires de Villeurbanne. Vos missions : encadrer les enfants de 3 à 11 ans sur les temps \
    du matin, du midi et du soir; concevoir et animer des activités ludiques, sportives et culturelles; \
    veiller à la sécurité physique et affective des enfants. Profil : BAFA exigé. Contrat : CDD de \
    10 mois, 24 heures par semaine. Envoyez CV et lettre de motivation avant le 30 novembre.";

fn base() -> Offer {
    offer(
        Some("Fédération Léo Lagrange Centre-Est"),
        "Animateur périscolaire",
        "Villeurbanne",
        "69",
        Some(Contract::Cdd),
        TEXT,
    )
}

/// The merged item keeps what any posting states, figures with their text, the place
/// whole, and the longest description.
#[test]
fn the_merged_item_takes_each_field_from_the_posting_that_has_it() {
    use crate::normalise::salary::parse_salary;
    let mut full = base();
    full.employer = None;
    full.salary_raw = Some("selon convention collective".into());
    full.location.place.commune = None;
    full.location.raw = Some("Rhône".into());
    full.sector = Some("Animation".into());
    full.url = Some("https://a.example.org/offres/12".into());
    let mut excerpt = base();
    excerpt.feed_id = "b".into();
    excerpt.description_text = TEXT.chars().take(120).collect();
    excerpt.employer = Some("PARETTI".into());
    excerpt.salary_raw = Some("1 800 € brut par mois".into());
    excerpt.salary = parse_salary("1 800 € brut par mois");
    excerpt.location.remote = Some(crate::model::Remote::Partial);
    excerpt.url = None;
    let job = merged(vec![full.clone(), excerpt.clone()]).unwrap();
    assert_eq!(job.employer.as_deref(), Some("PARETTI"));
    assert_eq!(job.sector.as_deref(), Some("Animation"));
    assert_eq!(job.description_text, TEXT, "the longest description");
    assert!(job.salary.is_some());
    assert_eq!(
        job.salary_raw, excerpt.salary_raw,
        "the figure comes with the text it was read from"
    );
    assert_eq!(job.location.place.commune, excerpt.location.place.commune);
    assert_eq!(job.location.raw, excerpt.location.raw, "the place whole");
    assert_eq!(job.location.remote, Some(crate::model::Remote::Partial));
    assert_eq!(job.url, full.url);
    assert_eq!(merged(vec![]), None);
    assert_eq!(merged(vec![full.clone()]), Some(full));
}

/// A board that rewrites an ad rewrites its title with it ("Agent de manutention" for
/// "Manutentionnaire - Gogolin"): the same employer, and every figure of the ad (three at
/// least) in a text written anew, make it the same job. The same text under another title
/// is the employer's template for another job.
#[test]
fn a_rewritten_ad_under_a_reworded_title_is_the_same_job() {
    const AD: &str = "Euro Staffing recrute pour son client, une usine de Gogolin, un agent de \
        manutention en CDD de 3 mois. Vous chargez et déchargez les camions, préparez les \
        palettes et rangez le stock. 38 heures par semaine, 4 650 zł brut par mois, début en \
        janvier.";
    const REWRITTEN: &str = "Pour une usine cliente à Gogolin, nous cherchons un \
        manutentionnaire : préparation des palettes, rangement du stock, chargement et \
        déchargement des camions. Contrat de 3 mois, 38 heures par semaine, salaire de \
        4 650 zł brut par mois. Démarrage en janvier. Euro Staffing, agence d'emploi.";
    let mut a = offer(
        Some("Euro Staffing Opole"),
        "Manutentionnaire – Gogolin",
        "Gogolin",
        "",
        Some(Contract::Cdd),
        AD,
    );
    a.location.place = Default::default();
    a.location.raw = Some("Gogolin".into());
    let mut b = a.clone();
    b.feed_id = "b".into();
    b.employer = Some("Euro Staffing".into());
    b.title = "Agent de manutention – Gogolin".into();
    b.description_text = REWRITTEN.into();
    let (fa, fb) = (features(&a), features(&b));
    assert!(titles_differ(&fa, &fb));
    assert!(same_job(&fa, &fb).is_some(), "{:?}", verdict(&fa, &fb));
    // The same text under the other title: the template of another job.
    let mut c = a.clone();
    c.feed_id = "b".into();
    c.title = "Cariste – Gogolin".into();
    assert_eq!(
        verdict(&fa, &features(&c)).err(),
        Some(Refusal::TitlesDiffer)
    );
}

/// An employer-less copy that names the employer anywhere in its text (here in its last
/// paragraph) is vouched for by it.
#[test]
fn an_employer_named_late_in_the_text_vouches_for_it() {
    let named = features(&base());
    let mut copy = base();
    copy.employer = None;
    copy.description_text = format!(
        "{} Qui sommes-nous ? La Fédération Léo Lagrange Centre-Est, réseau d'éducation \
         populaire.",
        TEXT.replace(
            "La Fédération Léo Lagrange Centre-Est recrute",
            "Nous recrutons"
        )
    );
    let copy = features(&copy);
    assert!(compare(&named, &copy).employer_mentioned);
    assert!(!conflict(&named, &copy));
}

/// What real feeds merged wrongly: one employer's different roles, the same title at
/// other hours or for another duration, one ad for several unresolvable towns.
#[test]
fn stated_differences_and_other_titles_are_other_jobs() {
    use crate::model::{
        ContractDuration, DurationUnit, Salary, SalaryPeriod, WorkingTime, WorkingTimeKind,
    };
    let a = features(&base());
    assert!(same_job(&a, &a.clone()).is_some());
    // Another title at the same employer, same place, same text.
    for (x, y) in [
        ("Chef de partie", "Chef de rang"),
        ("Soudeur", "Chaudronnier"),
        ("Responsable qualité", "Chef de projet"),
        ("Vendeur bijouterie", "Vendeur téléphonie"),
    ] {
        let mut o = base();
        o.title = x.into();
        let fx = features(&o);
        o.title = y.into();
        let fy = features(&o);
        assert!(titles_differ(&fx, &fy), "{x} / {y}");
        assert!(same_job(&fx, &fy).is_none(), "{x} / {y}");
    }
    // The same title reworded is the same title.
    for (x, y) in [
        ("Animateur périscolaire H/F", "Animatrice périscolaire"),
        ("Educateur spécialisé", "Éducateur spécialisé en MECS"),
        (
            "Directeur d'accueil de loisirs",
            "Responsable d'accueil de loisirs",
        ),
        ("IDE - Infirmier", "Infirmier diplômé d'État"),
        ("Comptable", "Comptable général"),
    ] {
        let mut o = base();
        o.title = x.into();
        let fx = features(&o);
        o.title = y.into();
        let fy = features(&o);
        assert!(!titles_differ(&fx, &fy), "{x} / {y}");
    }
    // Stated terms that differ.
    let with = |f: &dyn Fn(&mut Offer)| {
        let mut o = base();
        f(&mut o);
        features(&o)
    };
    let full = with(&|o| {
        o.working_time = Some(WorkingTime {
            kind: Some(WorkingTimeKind::FullTime),
            hours_per_week: Some(35.0),
        })
    });
    let part = with(&|o| {
        o.working_time = Some(WorkingTime {
            kind: Some(WorkingTimeKind::PartTime),
            hours_per_week: Some(24.0),
        })
    });
    let six = with(&|o| {
        o.contract_duration = Some(ContractDuration {
            amount: 6.0,
            unit: DurationUnit::Month,
        })
    });
    let twelve = with(&|o| {
        o.contract_duration = Some(ContractDuration {
            amount: 12.0,
            unit: DurationUnit::Month,
        })
    });
    let pay = |v: f64| {
        with(&move |o: &mut Offer| {
            o.salary = Some(Salary {
                min: Some(v),
                max: Some(v),
                currency: "EUR".into(),
                period: Some(SalaryPeriod::Month),
                gross: Some(true),
            })
        })
    };
    let start = |d: &str| {
        let t: chrono::DateTime<chrono::Utc> = d.parse().unwrap();
        with(&move |o: &mut Offer| o.start_date = Some(t))
    };
    for (x, y) in [
        (&full, &part),
        (&six, &twelve),
        (&pay(1900.0), &pay(2100.0)),
        (
            &start("2026-10-13T22:00:00Z"),
            &start("2026-11-02T23:00:00Z"),
        ),
    ] {
        assert!(conflict(x, y), "{:?} / {:?}", x.terms, y.terms);
        assert!(same_job(x, y).is_none());
        // Stated on one side only: no contradiction.
        assert!(!conflict(x, &a), "{:?}", x.terms);
    }
    assert!(
        !conflict(&pay(1900.0), &pay(1910.0)),
        "rounding is no difference"
    );
    // Terms survive the store's encoding.
    let f = features(&base());
    assert_eq!(decode(&encode(&full)).unwrap().terms, full.terms);
    assert_eq!(
        decode(&encode(&f)).unwrap().title_initials,
        f.title_initials
    );
    // Places nobody could resolve compare as written.
    let town = |t: &str| {
        with(&move |o: &mut Offer| {
            o.location.raw = Some(t.into());
            o.location.place = Default::default();
        })
    };
    assert!(conflict(&town("Dylaki"), &town("Krapkowice")));
    assert!(!conflict(
        &town("Strzelce Opolskie"),
        &town("Strzelce Opolskie (PL)")
    ));
    // One feed publishing two references at once: two jobs.
    let (mut x, mut y) = (a.clone(), a.clone());
    x.slot = Some(slot("cress-bretagne"));
    y.slot = Some(slot("cress-bretagne"));
    assert!(same_job(&x, &y).is_none());
    y.slot = Some(slot("rs-rhone"));
    assert!(same_job(&x, &y).is_some());
}

#[test]
fn stems_meet_across_gender_and_number() {
    for (a, b) in [
        ("animatrices", "animateur"),
        ("educatrice", "educateur"),
        ("specialisee", "specialise"),
        ("infirmiere", "infirmier"),
        ("chargee", "charge"),
        ("sociale", "social"),
    ] {
        assert_eq!(stem(a), stem(b), "{a} {b}");
    }
    assert_eq!(
        title_tokens("Animateur·rice périscolaire H/F"),
        title_tokens("Animatrice périscolaire")
    );
    assert_eq!(
        employer_tokens("Association Les Restos du Cœur de la Marne"),
        employer_tokens("RESTOS DU COEUR - Marne")
    );
}

#[test]
fn full_copy_shortened_copy_and_rewording_are_the_same_job() {
    let a = features(&base());
    assert!(same_job(&a, &a).is_some());
    let mut short = base();
    short.description_text = TEXT.chars().take(200).collect();
    short.contract = None;
    assert!(
        same_job(&a, &features(&short)).is_some(),
        "{:?}",
        compare(&a, &features(&short))
    );
    let mut reworded = base();
    reworded.title = "Animatrice temps périscolaire".into();
    reworded.description_text = "Léo Lagrange Centre-Est recherche des animateurs pour ses accueils \
        périscolaires à Villeurbanne. Missions principales : prendre en charge les enfants de 3 à 11 ans \
        le matin, le midi et le soir; animer des activités sportives, ludiques et culturelles; garantir \
        la sécurité physique et affective des enfants. BAFA exigé. CDD de 10 mois, 24 h hebdomadaires. \
        CV et lettre de motivation avant le 30 novembre."
        .into();
    let r = features(&reworded);
    assert!(same_job(&a, &r).is_some(), "{:?}", compare(&a, &r));
    assert_eq!(same_job(&a, &r), same_job(&r, &a));
}

#[test]
fn another_employer_commune_or_contract_is_another_job() {
    let a = features(&base());
    let mut other = base();
    other.employer = Some("Les Francas du Rhône".into());
    assert!(same_job(&a, &features(&other)).is_none());
    let mut other = base();
    other.location.place.commune = Some("Vénissieux".into());
    assert!(same_job(&a, &features(&other)).is_none());
    let mut other = base();
    other.contract = Some(Contract::Cdi);
    assert!(same_job(&a, &features(&other)).is_none());
    let mut other = base();
    other.title = "Directeur d'accueil de loisirs".into();
    other.description_text =
        "Léo Lagrange recrute un directeur pour son accueil de loisirs: piloter \
        l'équipe, écrire le projet pédagogique, gérer le budget. BPJEPS exigé."
            .into();
    assert!(same_job(&a, &features(&other)).is_none());
}

#[test]
fn an_unknown_employer_must_be_named_in_the_text() {
    let a = features(&base());
    let mut anon = base();
    anon.employer = None;
    let f = features(&anon);
    assert!(compare(&a, &f).employer_mentioned);
    assert!(same_job(&a, &f).is_some());
    let mut other = base();
    other.employer = Some("IFAC Rhône".into());
    assert!(!compare(&features(&other), &f).employer_mentioned);
}

/// A text that holds one common word of the employer's name ("quartier") does not name the
/// employer: its copy without employer is not contradicted for not naming it either.
#[test]
fn one_common_word_does_not_name_the_employer() {
    let text = "Nous recrutons un référent familles en CDI. Vous serez chargé de travailler \
        avec les écoles du quartier, d'accompagner les départs en vacances et d'animer le \
        projet familles du centre social. Contrat : CDI, 35 h hebdomadaires.";
    let ad = |employer: Option<&str>| {
        features(&offer(
            employer,
            "Référent familles",
            "Vitré",
            "35",
            Some(Contract::Cdi),
            text,
        ))
    };
    let known = ad(Some("Maison de quartier des Buttes"));
    assert!(!known.self_named);
    let copy = ad(None);
    assert!(!conflict(&known, &copy));
    assert!(same_job(&known, &copy).is_some());
    // Named whole, it is: another organisation's text (without its name) contradicts.
    let named = features(&offer(
        Some("Maison de quartier des Buttes"),
        "Référent familles",
        "Vitré",
        "35",
        Some(Contract::Cdi),
        &format!("La Maison de quartier des Buttes recrute. {text}"),
    ));
    assert!(named.self_named);
    assert_eq!(
        conflict_reason(&named, &copy),
        Some(Refusal::EmployerNotNamed)
    );
    // A stated difference besides is named first: `plan_join` tells them apart by it.
    let (mut full, mut part) = (named.clone(), copy.clone());
    full.terms.hours = Some(350);
    part.terms.hours = Some(240);
    assert_eq!(conflict_reason(&full, &part), Some(Refusal::Hours));
    assert!(!Refusal::EmployerNotNamed.is_stated() && Refusal::Hours.is_stated());
}

#[test]
fn a_posting_that_gives_no_commune_is_placed_by_its_text() {
    let a = features(&base());
    let mut o = base();
    o.location.place.commune = None;
    // Its text names Villeurbanne, where `a` is.
    assert!(same_job(&a, &features(&o)).is_some());
    // Its text speaks of another town where `a` names its own: another job.
    o.description_text = TEXT.replace("Villeurbanne", "Vénissieux");
    assert!(conflict(&a, &features(&o)));
    assert!(conflict(&features(&o), &a));
    // A text cut before the place says nothing of it.
    o.description_text = TEXT.chars().take(60).collect();
    assert!(!conflict(&a, &features(&o)));
    // A conflict read from what a text does not say is no proof of two jobs: the posting
    // does not join the cluster, and detaches none of its members either.
    let mut elsewhere = base();
    elsewhere.location.place.commune = None;
    elsewhere.description_text = TEXT.replace("Villeurbanne", "Vénissieux");
    let elsewhere = features(&elsewhere);
    let mut copy = base();
    copy.location.place.commune = None;
    copy.location.raw = Some("Villeurbanne".into());
    let copy = features(&copy);
    assert_eq!(
        conflict_reason(&elsewhere, &a),
        Some(Refusal::PlaceNotNamed)
    );
    assert!(same_job(&elsewhere, &copy).is_some() && same_job(&a, &copy).is_some());
    assert_eq!(
        plan_join(&elsewhere, &[(3.0, vec![&a, &copy])]),
        JoinPlan::default()
    );
    // Most of a cluster is the same job as a posting whose text names no town, and one
    // member, which names Villeurbanne, conflicts with it only by that silence: it joins.
    let mut vague = base();
    vague.location.place.commune = None;
    vague.description_text = TEXT.replace("Villeurbanne", "la métropole");
    let vague = features(&vague);
    let mut unplaced = base();
    unplaced.location.place.commune = None;
    let unplaced = features(&unplaced);
    assert_eq!(conflict_reason(&a, &vague), Some(Refusal::PlaceNotNamed));
    let m = vec![(3.0, vec![&a, &unplaced, &unplaced])];
    assert_eq!(plan_join(&vague, &m).join, vec![0]);
    // A stated difference (another contract) still keeps it out, and the members that are
    // the same job as both leave.
    let mut cdi = base();
    cdi.contract = Some(Contract::Cdi);
    let cdi = features(&cdi);
    let m = vec![(3.0, vec![&cdi, &unplaced, &unplaced])];
    let plan = plan_join(&a, &m);
    assert!(plan.join.is_empty(), "{plan:?}");
    assert_eq!(plan.detach, vec![(0, 1), (0, 2)]);
    // The place as written counts too.
    o.description_text = TEXT.replace("Villeurbanne", "la ville");
    o.location.raw = Some("Villeurbanne".into());
    assert!(!conflict(&a, &features(&o)));
}

/// One agency ad for several towns, the town in the title: a town nobody could resolve is
/// not the commune of the other posting, unless it names it or names no place at all.
#[test]
fn an_unresolved_town_is_not_another_postings_commune() {
    let text = "Tempora, agence d'emploi de proximité, recrute pour l'un de ses clients, un \
        transporteur régional, un chauffeur-livreur (H/F) en contrat saisonnier de 4 mois. \
        Vos missions : charger le véhicule, livrer les clients professionnels, encaisser.";
    let at = |title: &str, commune: Option<(&str, &str)>, raw: &str| {
        let mut o = offer(Some("Tempora Intérim"), title, "", "", None, text);
        o.location.raw = Some(raw.into());
        o.location.place = match commune {
            Some((c, d)) => Place {
                commune: Some(c.into()),
                department: Some(d.into()),
                ..Default::default()
            },
            None => Place::default(),
        };
        features(&o)
    };
    let beauvais = at(
        "Chauffeur-livreur - Beauvais",
        Some(("Beauvais", "60")),
        "Beauvais",
    );
    let dylaki = at("Chauffeur-livreur - Dylaki", None, "Dylaki");
    assert_eq!(
        conflict_reason(&beauvais, &dylaki),
        Some(Refusal::PlaceWords)
    );
    assert_eq!(
        conflict_reason(&dylaki, &beauvais),
        Some(Refusal::PlaceWords)
    );
    assert!(same_job(&beauvais, &dylaki).is_none());
    // The unresolved place names the commune, or no place in particular: no contradiction.
    for raw in [
        "Beauvais quartier Saint-Jean",
        "Télétravail",
        "France entière",
    ] {
        let other = at("Chauffeur-livreur", None, raw);
        assert!(!conflict(&beauvais, &other), "{raw}");
    }
}

#[test]
fn the_same_employer_and_the_same_dates_make_a_rewritten_ad_the_same_job() {
    let text_a = "Habitat et Humanisme Rhône recrute son comptable. Vous tiendrez la \
        comptabilité générale jusqu'au bilan, préparerez la paie de 40 salariés et suivrez \
        la trésorerie. Poste à pourvoir le 14/10/2026. Candidatures avant le 03/10/2026.";
    let text_b = "Rejoignez notre équipe : saisie et révision des comptes jusqu'à la \
        clôture, bulletins de salaire, rapprochements bancaires. Prise de poste : \
        14/10/2026. Réponse attendue au plus tard le 03/10/2026.";
    let ad = |title: &str, text: &str| {
        features(&offer(
            Some("Habitat et Humanisme Rhône"),
            title,
            "Villeurbanne",
            "69",
            Some(Contract::Cdi),
            text,
        ))
    };
    let a = ad("Comptable - Gestionnaire paie", text_a);
    let b = ad("Assistant comptable", text_b);
    let c = compare(&a, &b);
    assert_eq!(c.shared_dates, 2);
    assert!(same_job(&a, &b).is_some(), "{c:?}");
    // Another start date: nothing else says it is the same job.
    let b = ad(
        "Assistant comptable",
        &text_b.replace("14/10/2026", "02/11/2026"),
    );
    assert!(same_job(&a, &b).is_none(), "{:?}", compare(&a, &b));
}

/// The same role under a reworded title that keeps one of its words, with the ad's date
/// and every figure of the shorter: the same job. Another role of the employer, or
/// another date, is not.
#[test]
fn a_reworded_title_keeping_a_word_with_the_same_date_and_figures_is_the_same_job() {
    let ad = |title: &str, text: &str| {
        features(&offer(
            Some("Restaurant d'insertion Le Bon Goût"),
            title,
            "Chambéry",
            "73",
            Some(Contract::Cdd),
            text,
        ))
    };
    let a = ad(
        "Commis de cuisine",
        "Le Bon Goût, restaurant d'insertion depuis 1998, recrute un commis de cuisine en \
         CDD de 6 mois, 35 heures. Vous éplucherez et préparerez les légumes, aiderez le chef \
         de partie pendant le service. Salaire : 1 850 € brut mensuel. Poste à pourvoir le \
         02/11/2026.",
    );
    let b = ad(
        "Aide de cuisine",
        "Rejoignez notre brigade : préparation des légumes, soutien au chef de partie pendant \
         le coup de feu, plonge du poste. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, \
         prise de poste le 02/11/2026.",
    );
    assert!(titles_differ(&a, &b));
    assert!(same_job(&a, &b).is_some(), "{:?}", compare(&a, &b));
    let other_date = ad(
        "Aide de cuisine",
        "Rejoignez notre brigade : préparation des légumes, soutien au chef de partie pendant \
         le coup de feu, plonge du poste. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, \
         prise de poste le 07/12/2026.",
    );
    assert_eq!(verdict(&a, &other_date), Err(Refusal::TitlesDiffer));
    // A rewritten excerpt under the same title, stating the same figures: the same job;
    // with another salary figure, not.
    let excerpt = |pay: &str| {
        features(&offer(
            Some("Restaurant d'insertion Le Bon Goût"),
            "Commis de cuisine",
            "Chambéry",
            "73",
            None,
            &format!("Commis en CDD de 6 mois pour notre restaurant, {pay} € brut mensuel."),
        ))
    };
    assert!(same_job(&a, &excerpt("1 850")).is_some());
    assert!(same_job(&a, &excerpt("1 950")).is_none());
    let other_role = ad(
        "Chef de rang",
        "Rejoignez notre salle : accueil des clients, prise de commandes, service d'un rang \
         de huit tables. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, prise de poste le \
         02/11/2026.",
    );
    assert_eq!(verdict(&a, &other_role), Err(Refusal::TitlesDiffer));
}

#[test]
fn two_trades_sharing_only_their_sector_are_two_jobs() {
    // An interim agency posts two trades on one shipyard: the same mission terms, the same
    // figures, titles that share only "secteur naval".
    let ad = |title: &str, tasks: &str| {
        features(&offer(
            Some("Groupe Intérim Atlantique"),
            title,
            "Lorient",
            "56",
            Some(Contract::Interim),
            &format!(
                "Notre agence de Lorient recherche pour son client, chantier naval de 450 \
                 salariés, {tasks} Mission de 6 mois renouvelable, 35 heures par semaine, \
                 taux horaire 13,50 € brut plus primes de panier de 7,30 €. Démarrage le \
                 05/01/2027. Habilitation électrique appréciée."
            ),
        ))
    };
    let electricien = ad(
        "ELECTRICIENS secteur navale (H/F)",
        "des électriciens : raccordement des armoires, pose des chemins de câbles, lecture de \
         schémas, mise sous tension des équipements de bord.",
    );
    let tireur = ad(
        "TIREUR DE CABLES secteur Navale (H/F)",
        "des tireurs de câbles : tirage et repérage des câbles dans les coursives, fixation \
         sur les chemins de câbles, travail en équipe avec les électriciens de bord.",
    );
    assert_ne!(electricien.title_sector, 0, "{:?}", electricien.title);
    assert!(!role_shared(&electricien, &tireur));
    assert_eq!(
        verdict(&electricien, &tireur),
        Err(Refusal::TitlesDiffer),
        "{:?}",
        compare(&electricien, &tireur)
    );
    // The same trade reworded by another board, keeping its role word, still joins.
    let reworded = ad(
        "Electricien de bord - secteur naval",
        "des électriciens : raccordement des armoires, pose des chemins de câbles, lecture de \
         schémas, mise sous tension des équipements de bord.",
    );
    assert!(role_shared(&electricien, &reworded));
    assert!(same_job(&electricien, &reworded).is_some());
    // A sector word that is also in the role part is a role word.
    let f = features(&offer(
        None,
        "Agent naval secteur naval",
        "Lorient",
        "56",
        None,
        "",
    ));
    assert_eq!(f.title_sector, mask(&f.title, &["secteur"]));
}

fn mask(tokens: &[String], sector: &[&str]) -> u16 {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| sector.contains(&t.as_str()))
        .fold(0, |m, (i, _)| m | 1 << i)
}

#[test]
fn a_posting_never_joins_two_conflicting_clusters() {
    let a = features(&base());
    let mut o = base();
    o.contract = Some(Contract::Cdi);
    let b = features(&o);
    let mut o = base();
    o.contract = None;
    let p = features(&o);
    // p (no contract) is the same job as a CDD and as a CDI: it could be either, and
    // joins neither, whatever the scores.
    let m = vec![(1.0, vec![&a]), (2.0, vec![&b])];
    assert_eq!(plan_join(&p, &m), JoinPlan::default());
    // Two clusters of the same job: both joined, best first.
    let m = vec![(1.0, vec![&a]), (2.0, vec![&a])];
    assert_eq!(plan_join(&p, &m).join, vec![1, 0]);
    // A posting that conflicts with part of a cluster and matches the rest: the rest is
    // the same job as two different ones and leaves its cluster.
    let m = vec![(2.0, vec![&b, &p])];
    assert_eq!(
        plan_join(&a, &m),
        JoinPlan {
            join: vec![],
            detach: vec![(0, 1)]
        }
    );
}

/// Shops of one chain: one template but for the shop's address. A full copy of one shop's
/// ad on another board states that shop's street number and joins it; a copy cut before
/// the address could be any shop and joins none.
#[test]
fn a_copy_joins_the_chain_shop_whose_figures_it_states() {
    let shop = |address: &str| {
        format!(
            "Numérique Pour Tous, réseau de boutiques solidaires, compte plus de 60 points de \
             vente en France. Pour notre boutique {address}, nous recherchons un conseiller \
             en boutique solidaire en CDI. Vos missions : accueillir et conseiller les \
             clients, reconditionner les ordinateurs et smartphones donnés, tenir la caisse \
             et animer les ateliers numériques. Profil : goût du contact et des outils \
             numériques. Temps de travail : 35 heures par semaine. Rémunération : 1 850 € \
             brut mensuel. Nos avantages : mutuelle, titres-restaurant, 6 semaines de \
             congés. Postulez sur notre site carrières en indiquant la boutique."
        )
    };
    let ad = |text: &str| {
        offer(
            Some("Numérique Pour Tous"),
            "Conseiller en boutique solidaire",
            "Nice",
            "06",
            Some(Contract::Cdi),
            text,
        )
    };
    let text_a = shop("de Nice Libération (42 avenue Malausséna, 06000 Nice)");
    let text_b = shop("de Nice Gambetta (118 boulevard Gambetta, 06000 Nice)");
    // Both shops published at once by the chain's own feed: two jobs.
    let mut a = features(&ad(&text_a));
    let mut b = features(&ad(&text_b));
    a.slot = Some(slot("numerique-pour-tous"));
    b.slot = a.slot;
    assert!(conflict(&a, &b));
    let copy = features(&ad(&text_a));
    assert!(same_job(&copy, &a).is_some() && same_job(&copy, &b).is_some());
    // A shop in another quarter (another postcode too): its figures differ too much.
    let c = features(&ad(&shop("du Port (7 rue Cassini, 06300 Nice)")));
    assert!(same_job(&copy, &c).is_none(), "{:?}", compare(&copy, &c));
    for m in [
        vec![(4.0, vec![&a]), (3.6, vec![&b])],
        vec![(3.6, vec![&b]), (4.0, vec![&a])],
    ] {
        let plan = plan_join(&copy, &m);
        let joined: Vec<&Features> = plan.join.iter().map(|&i| m[i].1[0]).collect();
        assert_eq!(joined.len(), 1, "{plan:?}");
        assert!(std::ptr::eq(joined[0], &a), "the shop at number 42");
    }
    // The chain's feed publishes shop 118 beside shop 42, whose cluster holds its copy from
    // another board: the copy states shop 42's figures, not 118's, and stays with it.
    let m = vec![(4.0, vec![&a, &copy])];
    assert!(same_job(&b, &copy).is_some() && conflict(&b, &a));
    assert_eq!(
        plan_join(&b, &m),
        JoinPlan::default(),
        "nothing joined, nothing detached"
    );
    // Cut before the address: nothing tells the shops apart.
    let cut: String = text_a
        .split(" Pour notre boutique")
        .next()
        .unwrap_or("")
        .into();
    let cut = features(&ad(&format!(
        "{cut} Conseiller en boutique solidaire en CDI, 35 heures par semaine, 1 850 € brut \
         mensuel : accueillir et conseiller les clients, reconditionner les ordinateurs."
    )));
    let m = vec![(4.0, vec![&a]), (3.6, vec![&b])];
    assert!(same_job(&cut, &a).is_some() && same_job(&cut, &b).is_some());
    assert_eq!(plan_join(&cut, &m), JoinPlan::default());
}

/// An acronym and the name it stands for are one employer, whichever side is first.
#[test]
fn an_acronym_names_the_same_employer_both_ways() {
    let ad = |employer: &str| {
        let mut o = base();
        o.employer = Some(employer.into());
        features(&o)
    };
    let (short, long) = (ad("MCE"), ad("Métallerie Coopérative de l'Estuaire (SCOP)"));
    assert!(!employers_differ(&short, &long));
    assert!(!employers_differ(&long, &short));
    assert!(same_job(&long, &short).is_some());
    assert!(employers_differ(&ad("MCE"), &ad("Ateliers du Moulin")));
}

#[test]
fn components_group_transitively() {
    let a = features(&base());
    let mut o = base();
    o.employer = Some("UFCV".into());
    let b = features(&o);
    assert_eq!(components(&[&a, &b, &a]), vec![0, 1, 0]);
}

#[test]
fn duplicates_share_a_key_and_features_round_trip() {
    let a = features(&base());
    let mut short = base();
    short.description_text = TEXT.chars().take(200).collect();
    let b = features(&short);
    let (ka, kb) = (keys(&a), keys(&b));
    assert!(ka.iter().any(|k| kb.contains(k)));
    assert_eq!(decode(&encode(&a)), Some(a.clone()));
    assert_eq!(decode(&encode(&b)), Some(b));
    let bytes = encode(&a);
    for n in 0..bytes.len() {
        assert!(decode(&bytes[..n]).is_none());
    }
    assert!(decode(&[]).is_none());
    assert!(features(&Offer::default()).shingle_sig.is_empty());
    assert!(keys(&features(&Offer::default())).is_empty());
}

/// `encode(&features(&base()))` as version 6 wrote it: every signature value on 16 bits and
/// every term written.
const BASE_V6: &str = "06030563656e7472076c616772616e67036c656f04666c6c6300010209616e696d61746575720b7065726973636f6c616972010c76696c6c65757262616e6e6501023639010363646447000000280000008000c9f0cdf72bb37084814df577fdaccd2137d18c437fd56fc835232200b5730a652a54d8e9042dd581e3c1c3c524f17b2651b0f74fd8a648dc00237cd2899be8bb3103141c66d18b347cd229502ef239585ebcd7c4e921a8ab0d0e54704df5c28e17e52f3612c9ee04cdadf4c7be124c3df306925a2a172911947a81f70d9d96034e9865a945a3f87b58aea983d68f31c5f13938f6fced2ab0072df8134fc4483995e773da1d1ab1efe0b0c0b04828cd8e1d2ea00046ed2ec69dce2e48e4c47bfb080014c85e54fb2546bfd474fbdfce0936b52a948c7826ba2033dc87d54e97146fcb17bec2ba18466ac21fc0174253a87da0d6273abd8b4e84f44714596624528000b3b5b4318f8b4e3ca1bd5633172124b8da942f647bdb73969d2463c065222d19aa86025b25c256d863be805fb3923aca5672fb56aeb2180c0be2b9e9b0ba423446ea6bd3d57632352cbe0894c872d155b5168b3451795f57d0e1c795c8e729298f0ba63d71485e69107e60d260b7567addbe43b52c8b83ffcfa2ebe5ea2abae5f28de80839af1e48d217151afefe7d705373e56f5faf0ea95a54f7a4e22faa70c2050e21b67a558a96b52ed7660096f317587e34e69418dac7aa3cf109a289f9db4de6bbebe123361fa50c3d74ab77b36e7b11e58f563d3a5d4498af26e4cba89569b610dfddb892cb020530895d781001bf34ef98d5473cff98d9b0f072b25a00000500629e0186a408bab4570abab45605c0b41318c3b400000e004b00000000000000000000000000000000000000000000000261700000";

/// Version 7 stores the signatures' values in the width they are compared in: the features of
/// version 6 still decode, hold the same values where version 7 keeps them, give the same
/// blocking keys (the keys stored before are still right) and the same decisions; and the
/// encoding is some 240 bytes shorter.
#[test]
fn features_of_version_6_decode_and_decide_as_version_7() {
    let new = features(&base());
    let v6 = hex::decode(BASE_V6).unwrap();
    let old = decode(&v6).expect("version 6 decodes");
    assert_eq!(v6[0], 6);
    let mut narrowed = old.clone();
    for v in narrowed.shingle_sig.iter_mut().skip(BANDS * ROWS) {
        *v &= 0xff;
    }
    for v in narrowed.word_sig.iter_mut() {
        *v &= 0xff;
    }
    assert_ne!(narrowed, old, "version 6 held 16 bits of every value");
    assert_eq!(narrowed, new);
    assert_eq!(keys(&old), keys(&new));
    let c = compare(&old, &new);
    assert_eq!((c.shingles, c.words), (1.0, 1.0));
    assert_eq!(same_job(&old, &new), same_job(&new, &new));
    let bytes = encode(&new);
    assert_eq!(bytes[0], FEATURES_VERSION);
    assert_eq!(decode(&bytes), Some(new.clone()));
    assert!(
        bytes.len() + 240 <= v6.len(),
        "{} bytes, {} in version 6",
        bytes.len(),
        v6.len()
    );
}

/// The Jaccard estimate from 8-bit values is corrected for the values that agree by chance:
/// unrelated sets estimate near 0, not 1/256, and a half-shared pair near 1/3.
#[test]
fn jaccard_estimates_from_eight_bits() {
    let set = |r: std::ops::Range<u64>| -> std::collections::BTreeSet<u64> {
        r.map(|x| x.wrapping_mul(0x9e37_79b9)).collect()
    };
    let (a, b, c) = (
        minhash(&set(0..400)),
        minhash(&set(400..800)),
        minhash(&set(200..600)),
    );
    let narrow = |s: &[u16]| s.iter().map(|v| v & 0xff).collect::<Vec<u16>>();
    assert_eq!(jaccard(&a, &a), 1.0);
    assert_eq!(jaccard(&narrow(&a), &a), 1.0, "16 and 8 bits compare alike");
    assert!(jaccard(&a, &b) < 0.03, "{}", jaccard(&a, &b));
    let half = jaccard(&a, &c);
    assert!((0.2..0.47).contains(&half), "{half}");
}
