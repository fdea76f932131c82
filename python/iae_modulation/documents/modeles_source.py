"""Reconstruction des modèles Word livrés dans `templates/` (lettre de l'annexe 4, décision de
l'annexe 5 de la note DGEFP 2014-04).

Les modèles se modifient dans Word par un agent (texte, logo, signataire) : ce script ne sert qu'à
les reconstruire proprement. Il les construit avec python-docx puis les allège (styles inutilisés,
parties superflues du modèle par défaut) : un modèle léger se remplit et se convertit en PDF plus
vite (mesures.md).

    python -m iae_modulation.documents.modeles_source [DOSSIER]
"""

from __future__ import annotations

import io
import posixpath
import re
import sys
import zipfile
from pathlib import Path

import docx
from docx.document import Document as DocumentWord
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from iae_modulation.chemins import DOSSIER_TEMPLATES
from iae_modulation.documents.publipostage import W
from iae_modulation.formats import insecables

DOSSIER_MODELES = DOSSIER_TEMPLATES
NOM_NOTIFICATION = "notification_montant_module.docx"
NOM_DECISION = "decision_asp.docx"
NOM_FICHE = "fiche_dialogue_gestion.docx"

_PARTIES_DE_TEXTE = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_PARTIES_SUPERFLUES = (
    "word/stylesWithEffects.xml",
    "word/webSettings.xml",
    "word/numbering.xml",
    "docProps/thumbnail.jpeg",
    "customXml/item1.xml",
    "customXml/itemProps1.xml",
    "customXml/_rels/item1.xml.rels",
)

MARGE_LETTRE_CM = 1.8  # à gauche et à droite : la lettre la plus longue tient sur une page
# `recours_en_ligne` : la saisine par Télérecours citoyens, seulement quand elle existe à la date
# de l'acte (paramètre daté mot_recours_en_ligne).
RECOURS = (
    "Voies et délais de recours : la présente décision peut faire l'objet, dans les deux mois "
    "suivant sa notification, d'un recours gracieux auprès de son auteur, d'un recours "
    "hiérarchique auprès du ministre chargé de l'emploi ou d'un recours contentieux devant le "
    "tribunal administratif territorialement compétent{{ recours_en_ligne }}. Un recours gracieux "
    "ou hiérarchique proroge le délai du recours contentieux, qui court alors de la réponse de "
    "l'administration (son silence pendant deux mois vaut rejet)."
)


def _page(taille: float, apres: float, marges: tuple[float, float]) -> DocumentWord:
    """Un document A4 en Arial : taille des caractères et espace après un paragraphe (points),
    marges haut et bas puis gauche et droite (cm)."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(taille)
    normal.paragraph_format.space_after = Pt(apres)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin = section.bottom_margin = Cm(marges[0])
    section.left_margin = section.right_margin = Cm(marges[1])
    return document


def _document() -> DocumentWord:
    document = _page(10, 3, (1.5, 2))
    section = document.sections[0]
    section.header_distance = Cm(0.7)
    # « PROJET — non signé » en tête de chaque page d'un document sans signataire ou sans lieu
    mention = section.header.paragraphs[0]
    mention.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marque = mention.add_run("{{ mention_projet }}")
    marque.bold = True
    marque.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    # grand livre modifié après le calcul (--resultats-modifies) : dit en tête de chaque page,
    # paragraphe retiré sinon
    modifie = section.header.add_paragraph()
    modifie.alignment = WD_ALIGN_PARAGRAPH.CENTER
    modifie.paragraph_format.space_after = Pt(0)
    marque = modifie.add_run("{{ mention_modifie }}")
    marque.bold = True
    marque.font.size = Pt(8)
    marque.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    return document


def _paragraphe(document, texte: str = "", *, gras=False, aligne=None, retrait=None, apres=None):
    paragraphe = document.add_paragraph()
    if texte:
        paragraphe.add_run(texte).bold = gras
    if aligne is not None:
        paragraphe.alignment = aligne
    if retrait is not None:
        paragraphe.paragraph_format.left_indent = retrait
    if apres is not None:
        paragraphe.paragraph_format.space_after = apres
    return paragraphe


def _en_tete_et_destinataire(document) -> None:
    """Expéditeur à gauche (avec la référence et l'agent qui suit l'affaire), destinataire à
    droite, sur les mêmes lignes (lettre administrative) : la lettre la plus longue tient ainsi
    sur une page."""
    tableau = document.add_table(rows=1, cols=2)
    tableau.autofit = False
    gauche, droite = tableau.rows[0].cells
    for cellule, largeur in ((gauche, Cm(8.5)), (droite, Cm(8.5))):
        cellule.width = largeur
    lignes = (
        (gauche, "RÉPUBLIQUE FRANÇAISE", True),
        (gauche, "{{ bloc_marque }}", True),
        (gauche, "{{ service }}", False),
        (droite, "{{ raison_sociale }}", True),
        (droite, "{{ destinataire }}", False),
        (droite, "{{ adresse }}", False),
        (droite, "{{ code_postal }} {{ commune }}", False),
    )
    for cellule, texte, gras in lignes:
        paragraphe = (
            cellule.paragraphs[0] if not cellule.paragraphs[0].text else cellule.add_paragraph()
        )
        paragraphe.add_run(texte).bold = gras
        paragraphe.paragraph_format.space_after = Pt(0)
    # sous l'en-tête, sur toute la largeur : la référence et l'agent qui suit l'affaire
    suivi = _paragraphe(document, apres=Pt(0))
    suivi.paragraph_format.space_before = Pt(6)
    for texte, gras in (("Référence : ", True), ("{{ reference }}", False)):
        morceau = suivi.add_run(texte)
        morceau.bold, morceau.font.size = gras, Pt(8.5)
    _paragraphe(document, "{{ affaire_suivie_par }}", apres=Pt(0)).runs[0].font.size = Pt(8.5)


def _calcul(document, texte: str):
    """Un paragraphe du calcul de la lettre, en 9 points (le tableau des critères en a 8)."""
    paragraphe = _paragraphe(document, texte, apres=Pt(1))
    paragraphe.runs[0].font.size = Pt(9)
    return paragraphe


def _signature(document) -> None:
    droite = Cm(9)
    _paragraphe(document, "{{ lieu_date }}", retrait=droite).paragraph_format.keep_with_next = True
    qualite = _paragraphe(document, "{{ qualite }}", retrait=droite, apres=Pt(26))
    qualite.paragraph_format.keep_with_next = True
    _paragraphe(document, "{{ signataire }}", gras=True, retrait=droite)


def construire_notification() -> bytes:
    """La lettre de notification du montant modulé à une SIAE (annexe 4)."""
    document = _document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(MARGE_LETTRE_CM)
    _en_tete_et_destinataire(document)
    objet = _paragraphe(document)
    objet.paragraph_format.space_before = Pt(12)
    objet.add_run("Objet : ").bold = True
    objet.add_run(
        "notification du montant modulé de l'aide au poste au titre de l'année {{ annee }}"
    )
    references = _paragraphe(document)
    references.add_run("Références : ").bold = True
    references.add_run(
        insecables(
            "code du travail, articles L. 5132-2 et R. 5132-1 et suivants ; instruction DGEFP "
            "n° 2014-2 du 5 février 2014 ; note DGEFP n° 2014-04 du 10 octobre 2014"
        )
    )
    for morceau in references.runs:
        morceau.font.size = Pt(9)
    structure = _paragraphe(document, apres=Pt(6))
    structure.add_run("Structure : ").bold = True
    # espaces insécables : « SIRET » et « n° » ne sont jamais séparés de leur numéro
    structure.add_run(
        "{{ raison_sociale }} ({{ type_structure }}), SIRET\u00a0{{ siret }}, annexe "
        "financière n°\u00a0{{ identifiant }}"
    )
    _paragraphe(document, "{{ appel }}")
    _paragraphe(
        document,
        "J'ai l'honneur de vous notifier que le montant modulé de l'aide au poste attribué à votre "
        "structure au titre de l'année {{ annee }} s'élève à {{ montant_module }}.",
    )
    # le calcul, en plus petit, dans l'ordre où la structure peut le refaire (calcul_lettre)
    titre = _paragraphe(document, "Le calcul de votre montant", gras=True, apres=Pt(1))
    titre.paragraph_format.keep_with_next = True
    _calcul(document, "{{ motif_taux }}{{ phrase_methode }}")
    _calcul(document, "{{ tableau_criteres }}")
    calcul = _calcul(document, "{{ calcul_taux }} {{ calcul_montant }}")
    calcul.paragraph_format.space_before = Pt(3)
    for champ in ("etape_enveloppe", "annonce_regularisation_2014"):
        _calcul(document, "{{ " + champ + " }}")
    _calcul(
        document,
        "Le montant versé en 2014 au titre de la modulation pour des postes non réalisés en 2014 "
        "est déduit (note DGEFP n° 2014-04) : {{ montant_verse_2014 }} × "
        "({{ etp_conventionnes_2014 }} ETP conventionnés − {{ etp_realises_2014 }} ETP "
        "réalisés) / {{ etp_conventionnes_2014 }} = {{ regularisation }}. Montant net : "
        "{{ montant_net }}.",
    )
    _calcul(
        document,
        "Cette régularisation excède le montant modulé de l'année : le reste, "
        "{{ reste_a_deduire }}, sera déduit par l'Agence de services et de paiement (ASP) des "
        "prochains versements de votre aide au poste, comme le dit la décision de paiement.",
    )
    _paragraphe(document, "{{ phrase_versement }}")
    _paragraphe(document, "{{ phrase_precedent }}")
    _paragraphe(
        document,
        "Je vous prie d'agréer l'expression de ma considération distinguée.",
        apres=Pt(4),
    )
    _signature(document)
    recours = _paragraphe(document, RECOURS)
    recours.paragraph_format.space_before = Pt(3)
    for morceau in recours.runs:
        morceau.font.size = Pt(8)
    return _enregistrer(document)


def _champ_word(paragraphe, instruction: str) -> None:
    """Un champ Word calculé à l'affichage (« PAGE », « NUMPAGES ») : début, instruction,
    séparateur, valeur provisoire, fin (ECMA-376, partie 1, 17.16.18)."""
    for balise, valeur in (
        ("begin", None),
        ("instr", f" {instruction} "),
        ("separate", None),
        ("texte", "1"),
        ("end", None),
    ):
        run = paragraphe.add_run()
        if balise == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = valeur
        elif balise == "texte":
            element = OxmlElement("w:t")
            element.text = valeur
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), balise)
        run._r.append(element)


def _pied_numerote(section) -> None:
    """« Décision n° … – page x sur y » au pied de chaque page (le numéro du registre, ou
    « PROJET (sans numéro) »)."""
    section.footer_distance = Cm(0.7)
    pied = section.footer.paragraphs[0]
    pied.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pied.add_run("Décision n°\u00a0{{ numero }} – page ")
    _champ_word(pied, "PAGE")
    pied.add_run(" sur ")
    _champ_word(pied, "NUMPAGES")
    for morceau in pied.runs:
        morceau.font.size = Pt(8)


def construire_decision() -> bytes:
    """La décision de paiement du montant modulé transmise à l'ASP (annexe 5), au nom de
    l'autorité de la campagne (`documents.autorite`), numérotée par le registre des actes."""
    document = _document()
    _pied_numerote(document.sections[0])
    _paragraphe(document, "RÉPUBLIQUE FRANÇAISE", gras=True, apres=Pt(0))
    _paragraphe(document, "{{ bloc_marque }}", gras=True, apres=Pt(0))
    _paragraphe(document, "{{ service }}", apres=Pt(18))
    centre = WD_ALIGN_PARAGRAPH.CENTER
    _paragraphe(document, "DÉCISION DE PAIEMENT", gras=True, aligne=centre, apres=Pt(0))
    _paragraphe(document, "n°\u00a0{{ numero }}", gras=True, aligne=centre, apres=Pt(0))
    _paragraphe(
        document,
        "du montant modulé de l'aide au poste – année {{ annee }}",
        gras=True,
        aligne=centre,
        apres=Pt(0),
    )
    _paragraphe(
        document,
        "Mesure {{ mesure }} ({{ libelle_mesure }}) – département {{ departement }} – "
        "{{ nom_departement }}",
        aligne=centre,
        apres=Pt(0),
    )
    _paragraphe(document, "{{ mention_remplace }}", gras=True, aligne=centre, apres=Pt(0))
    _paragraphe(document, "", apres=Pt(12))
    _paragraphe(document, "{{ autorite }},")
    for visa in (
        "{{ visa_aide }}",
        "Vu l'instruction DGEFP n° 2014-2 du 5 février 2014 relative au pilotage des dispositifs "
        "de l'insertion par l'activité économique ;",
        "Vu la note DGEFP n° 2014-04 du 10 octobre 2014 portant notification des enveloppes "
        "financières régionales 2014 relatives au montant modulé de l'aide aux postes des "
        "structures de l'insertion par l'activité économique ;",
        "Vu les conventions et annexes financières conclues avec les structures figurant au "
        "tableau annexé ;",
    ):
        _paragraphe(document, insecables(visa))
    _paragraphe(document, "DÉCIDE", gras=True, aligne=centre)
    _paragraphe(document, "Article 1er", gras=True, apres=Pt(2))
    _paragraphe(
        document,
        "Le montant modulé de l'aide au poste au titre de l'année {{ annee }} est versé aux "
        "structures conventionnées au titre de la mesure {{ mesure }} dans le département "
        "{{ departement }} – {{ nom_departement }}, pour un montant total de {{ montant_total }} "
        "(nombre de structures : {{ nb_structures }}). {{ base_du_taux }}",
    )
    _paragraphe(document, "{{ phrase_methode }}")
    _paragraphe(document, "{{ phrase_regularisation }}")
    _paragraphe(document, "{{ phrase_reste }}")
    _paragraphe(
        document,
        "Le paiement est effectué par l'Agence de services et de paiement (ASP), organisme payeur "
        "de l'aide au poste, à chaque structure pour le montant qui la concerne.",
    )
    _paragraphe(document, "Article 2", gras=True, apres=Pt(2))
    _paragraphe(
        document,
        "Le tableau annexé à la présente décision établit, structure par structure, le montant "
        "modulé à verser. Il fait partie intégrante de la présente décision.",
    )
    _paragraphe(document, "Article 3", gras=True, apres=Pt(2))
    _paragraphe(document, "{{ phrase_remplace }}")
    _paragraphe(
        document,
        "La présente décision est transmise à l'Agence de services et de paiement.",
        apres=Pt(18),
    )
    _signature(document)
    annexe = document.add_section(WD_SECTION.NEW_PAGE)
    annexe.orientation = WD_ORIENT.LANDSCAPE
    annexe.page_width, annexe.page_height = Cm(29.7), Cm(21)
    annexe.left_margin = annexe.right_margin = Cm(1.5)
    _paragraphe(
        document,
        "Annexe à la décision n°\u00a0{{ numero }} – montants modulés à verser – mesure "
        "{{ mesure }} – département {{ departement }} – {{ nom_departement }} – année {{ annee }}",
        gras=True,
    )
    _paragraphe(document, "{{ tableau }}")
    _paragraphe(
        document,
        "Nombre de structures : {{ nb_structures }} – montant total à verser : {{ montant_total }}",
        gras=True,
    )
    return _enregistrer(document)


def construire_fiche() -> bytes:
    """La fiche de dialogue de gestion d'une structure (instruction DGEFP 2014-2, § 3 : « outil
    central du pilotage ») : une page, ses indicateurs dans son groupe, ses postes et sorties,
    son taux et son montant. Le titre commence une nouvelle page : des fiches assemblées en un
    seul document gardent chacune la sienne."""
    document = _page(9, 2, (1.25, 1.8))
    section = document.sections[0]
    section.footer_distance = Cm(0.6)
    pied = section.footer.paragraphs[0]
    pied.add_run("{{ pied }}").font.size = Pt(8)
    titre = _paragraphe(
        document, "Fiche de dialogue de gestion – campagne {{ annee }}", gras=True, apres=Pt(0)
    )
    titre.paragraph_format.page_break_before = True
    titre.runs[0].font.size = Pt(13)
    sous_titre = _paragraphe(document, "{{ sous_titre }}", apres=Pt(8))
    sous_titre.runs[0].font.size = Pt(8)
    nom = _paragraphe(document, "{{ raison_sociale }}", gras=True, apres=Pt(0))
    nom.runs[0].font.size = Pt(11)
    _paragraphe(
        document,
        "{{ type_structure }} – SIRET\u00a0{{ siret }} – annexe financière "
        "n°\u00a0{{ identifiant }}",
        apres=Pt(0),
    )
    _paragraphe(document, "{{ territoire }}", apres=Pt(4))
    _paragraphe(document, "{{ motif_taux }}", apres=Pt(4))
    for intitule, champs in (
        ("Les trois indicateurs de la note DGEFP n° 2014-04 dans le groupe", ("indicateurs",)),
        ("Position dans le groupe", ("graphiques", "legende_graphiques")),
        ("Postes et sorties", ("postes_et_sorties",)),
        ("Taux et montant modulé (grand livre de la campagne)", ("montants", "calcul_du_montant")),
    ):
        entete = _paragraphe(document, intitule, gras=True, apres=Pt(2))
        entete.paragraph_format.space_before = Pt(6)
        entete.paragraph_format.keep_with_next = True
        for champ in champs:
            paragraphe = _paragraphe(document, "{{ " + champ + " }}", apres=Pt(2))
            if champ.startswith(("legende", "calcul")):
                paragraphe.runs[0].font.size = Pt(8)
    remarques = _paragraphe(document, "{{ remarques }}")
    remarques.paragraph_format.space_before = Pt(6)
    remarques.runs[0].font.size = Pt(8)
    return _enregistrer(document)


def _enregistrer(document) -> bytes:
    tampon = io.BytesIO()
    document.core_properties.author = "iae-modulation"
    document.core_properties.title = ""
    document.save(tampon)
    return alleger(tampon.getvalue())


def alleger(contenu: bytes) -> bytes:
    """Retire d'un .docx les parties superflues et les styles que le document n'utilise pas."""
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        parties = {info.filename: archive.read(info) for info in archive.infolist()}
    retirees = {p for p in _PARTIES_SUPERFLUES if p in parties}
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom, donnees in parties.items():
            if nom in retirees:
                continue
            if nom == "[Content_Types].xml":
                donnees = _sans_elements(
                    donnees, f"{{{_TYPES}}}Override", lambda e: e.get("PartName")[1:] in retirees
                )
            elif nom.endswith(".rels"):
                dossier = posixpath.dirname(posixpath.dirname(nom))
                donnees = _sans_elements(
                    donnees,
                    f"{{{_RELS}}}Relationship",
                    lambda e, d=dossier: (
                        posixpath.normpath(posixpath.join(d, e.get("Target"))) in retirees
                    ),
                )
            elif nom == "word/styles.xml":
                textes = [p for n, p in parties.items() if _PARTIES_DE_TEXTE.fullmatch(n)]
                donnees = _styles_utilises(donnees, textes)
            info = zipfile.ZipInfo(nom, (2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, donnees)
    return sortie.getvalue()


def _sans_elements(xml: bytes, balise: str, a_retirer) -> bytes:
    racine = etree.fromstring(xml)
    for element in list(racine.iter(balise)):
        if a_retirer(element):
            element.getparent().remove(element)
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8", standalone=True)


def _styles_utilises(styles: bytes, textes: list[bytes]) -> bytes:
    w = f"{{{W}}}"
    racine = etree.fromstring(styles)
    par_id = {s.get(f"{w}styleId"): s for s in racine.iter(f"{w}style")}
    a_garder = {s for s, e in par_id.items() if e.get(f"{w}default") == "1"}
    for texte in textes:
        corps = etree.fromstring(texte)
        for balise in ("pStyle", "rStyle", "tblStyle"):
            a_garder |= {e.get(f"{w}val") for e in corps.iter(f"{w}{balise}")}
    pile = list(a_garder)
    while pile:
        style = par_id.get(pile.pop())
        for lien in ("basedOn", "link", "next"):
            cible = style.find(f"{w}{lien}") if style is not None else None
            if cible is not None and cible.get(f"{w}val") not in a_garder:
                a_garder.add(cible.get(f"{w}val"))
                pile.append(cible.get(f"{w}val"))
    for element in list(racine):
        if element.tag == f"{w}latentStyles" or (
            element.tag == f"{w}style" and element.get(f"{w}styleId") not in a_garder
        ):
            racine.remove(element)
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8", standalone=True)


def construire_modeles(dossier: Path = DOSSIER_MODELES) -> list[Path]:
    dossier.mkdir(parents=True, exist_ok=True)
    chemins = [dossier / NOM_NOTIFICATION, dossier / NOM_DECISION, dossier / NOM_FICHE]
    for chemin, contenu in zip(
        chemins, (construire_notification(), construire_decision(), construire_fiche()), strict=True
    ):
        chemin.write_bytes(contenu)
    return chemins


if __name__ == "__main__":
    for chemin in construire_modeles(Path(sys.argv[1]) if len(sys.argv) > 1 else DOSSIER_MODELES):
        print(f"Modèle écrit : {chemin}")
