"""D'où vient chaque colonne de la table canonique préparée : le fichier de l'ASP et sa colonne.

Une seule déclaration, reprise dans le rapport `preparation.xlsx` (feuille « Correspondance ») et
dans docs/donnees.md (un test vérifie qu'elle y est complète).
"""

from __future__ import annotations

from dataclasses import dataclass

ANNEXES = "FluxIAE annexes financières"
BILAN = "bilan annuel de l'ASP (année N − 1)"
STRUCTURES = "FluxIAE structures"
DEDUITE = "déduite"


@dataclass(frozen=True)
class Correspondance:
    colonne: str
    fichier: str
    origine: str


CORRESPONDANCES = (
    Correspondance(
        "identifiant", ANNEXES, "af_numero_annexe_financiere (sans avenant : « ACI051230010 »)"
    ),
    Correspondance(
        "siret",
        STRUCTURES,
        "structure_siret_actualise (lien : af_id_structure = structure_id_siae) ; sans le "
        "FluxIAE des structures : « 0 - SIRET » du bilan",
    ),
    Correspondance(
        "raison_sociale",
        STRUCTURES,
        "structure_denomination ; sans le FluxIAE des structures : « 0 - Dénomination » du bilan",
    ),
    Correspondance(
        "adresse",
        STRUCTURES,
        "structure_adresse_gestion_numero, _cplt_num_voie, _type_voie, _nom_voie, "
        "_cplt_adresse (à défaut, les mêmes colonnes structure_adresse_admin_…)",
    ),
    Correspondance(
        "code_postal", STRUCTURES, "structure_adresse_gestion_cp (à défaut, …_admin_cp)"
    ),
    Correspondance(
        "commune", STRUCTURES, "structure_adresse_gestion_commune (à défaut, …_admin_commune)"
    ),
    Correspondance(
        "type",
        ANNEXES,
        "af_mesure_dispositif_code (EI_DC, ETTI_DC, AI_DC, ACI_DC, EITI_DC ; EI_MP, ACI_MP)",
    ),
    Correspondance(
        "departement", ANNEXES, "af_numero_annexe_financiere (3 caractères après la mesure)"
    ),
    Correspondance("region", DEDUITE, "du département"),
    Correspondance("etp_conventionnes", ANNEXES, "af_etp_postes_insertion"),
    Correspondance(
        "etp_realises",
        "—",
        "laissée vide : ni le FluxIAE des annexes ni le bilan ne la donnent (elle ne sert "
        "qu'à la régularisation 2015, par le fichier des versements)",
    ),
    Correspondance(
        "montant_socle", ANNEXES, "af_montant_total_annuel (cofinancement du département compris)"
    ),
    Correspondance("dont_cofinancement_cd", ANNEXES, "af_mt_cofinance"),
    Correspondance(
        "nb_salaries_insertion",
        BILAN,
        "« 2 - Nombre total des salariés en insertion ayant travaillé da… »",
    ),
    Correspondance(
        "nb_beneficiaires_minima",
        BILAN,
        "« 2 - Dont bénéficiaires du RSA » + « 2 - Dont bénéficiaires de l'ASS » + "
        "« 2 - Dont bénéficiaires de l'AAH »",
    ),
    Correspondance(
        "etp_encadrement",
        ANNEXES,
        "af_etp_encadrement_tech_accomp_sociop_annee_prec (avec --encadrement-elargi : + "
        "af_etp_trava_non_salaries + af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec)",
    ),
    Correspondance("etp_insertion", ANNEXES, "af_etp_pers_agrees_pole_emploi_iae_annee_prec"),
    Correspondance("sorties_totales", BILAN, "« 4 - Total des sorties examinées… »"),
    Correspondance(
        "sorties_emploi_durable", BILAN, "« 5 - Total des sorties dans l'emploi durable »"
    ),
    Correspondance(
        "sorties_emploi_transition",
        BILAN,
        "« 6 - Total des sorties dans l'emploi de transition »",
    ),
    Correspondance("sorties_positives", BILAN, "« 7 - Total des sorties positives »"),
    Correspondance(
        "milieu_penitentiaire",
        ANNEXES,
        "af_mesure_dispositif_code en _MP, ou af_indic_perimetre_milieu_penitentiaire = true",
    ),
    Correspondance("nb_residents_qpv", BILAN, "« 2 - Dont résidants en QPV »"),
    Correspondance("nb_residents_zrr", BILAN, "« 2 - Dont résidants en ZRR » (ou FRR)"),
    Correspondance(
        "nb_50_ans_et_plus", BILAN, "« 2 - Dont personnes sans emploi de 50 ans et plus : »"
    ),
    Correspondance("nb_deld", BILAN, "« 2 - Dont inscrits à Pôle emploi depuis 12 à 23 mois : »"),
    Correspondance(
        "nb_detld", BILAN, "« 2 - Dont inscrits à Pôle emploi depuis 24 mois et plus: »"
    ),
    Correspondance("nb_rqth", BILAN, "« 2 - Dont nombre de personnes reconnues RQTH : »"),
    Correspondance("nb_femmes", BILAN, "« 2 - Dont femmes »"),
    Correspondance("nb_moins_26_ans", BILAN, "« 2 - Dont jeunes de moins de 26 ans : »"),
)
# Rubrique du bilan (`exports.bilan_asp.RUBRIQUES`) de chaque colonne lue telle quelle.
DEPUIS_LE_BILAN = {
    "nb_salaries_insertion": "salaries",
    "sorties_totales": "sorties_totales",
    "sorties_emploi_durable": "sorties_durables",
    "sorties_emploi_transition": "sorties_transition",
    "sorties_positives": "sorties_positives",
    "nb_residents_qpv": "qpv",
    "nb_residents_zrr": "zrr",
    "nb_50_ans_et_plus": "senior",
    "nb_deld": "deld",
    "nb_detld": "detld",
    "nb_rqth": "rqth",
    "nb_femmes": "femmes",
    "nb_moins_26_ans": "jeunes",
}
MINIMA = ("rsa", "ass", "aah")
