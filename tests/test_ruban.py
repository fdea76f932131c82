"""Le ruban « IAE Modulation » (xl/customUI14.xml) et ses rappels VBA (xl/vba/*.bas)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from iae_modulation.excel import construction, macros, paquet

XL = Path(__file__).resolve().parents[1] / "xl"
ESPACE = {"ui": paquet.ESPACE_RUBAN}


def ruban() -> ET.Element:
    return ET.parse(XL / "customUI14.xml").getroot()


def sources_vba() -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted((XL / "vba").glob("*.bas")))


def test_ruban_bien_forme_dans_l_espace_de_noms_2009():
    racine = ruban()
    assert racine.tag == f"{{{paquet.ESPACE_RUBAN}}}customUI"
    identifiants = [e.get("id") for e in racine.iter() if e.get("id")]
    assert len(identifiants) == len(set(identifiants))


def test_onglet_et_groupes_en_francais():
    (onglet,) = ruban().findall(".//ui:tab", ESPACE)
    assert onglet.get("label") == "IAE Modulation"
    groupes = [g.get("label") for g in onglet.findall("ui:group", ESPACE)]
    assert groupes == ["Données", "Calcul", "Documents", "Aide"]
    libelles = {b.get("label") for b in onglet.iter(f"{{{paquet.ESPACE_RUBAN}}}button")}
    assert {
        "Vérifier les données",
        "Calculer la modulation",
        "Générer décision ASP",
        "Générer les notifications",
        "Ouvrir le dossier de sortie",
    } <= libelles
    assert all(b.get("imageMso") for b in onglet.iter(f"{{{paquet.ESPACE_RUBAN}}}button"))


def test_chaque_onaction_a_sa_sub_a_un_parametre_controle():
    vba = sources_vba()
    for bouton in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button"):
        sub = bouton.get("onAction")
        motif = rf"^Public Sub {re.escape(sub)}\(control As (Object|IRibbonControl)\)$"
        assert re.search(motif, vba, re.MULTILINE), f"Sub {sub}(control As Object) absente"


def test_chaque_cible_runpython_existe_et_est_une_action_du_ruban():
    cibles = re.findall(
        r'RunPython "import (iae_modulation\.excel\.macros) as m; m\.(\w+)\(\)"', sources_vba()
    )
    assert len(cibles) == 5
    for module, fonction in cibles:
        assert module == macros.__name__
        assert getattr(macros, fonction) in macros.ACTIONS.values()
    assert len(re.findall(r"RunPython", sources_vba())) == len(cibles)


def test_module_udfs_genere_une_fonction_par_udf_sans_mot_reserve():
    vba = construction.module_udfs()
    fonctions = dict(re.findall(r"^Function (\w+)\(([^)]*)\)", vba, re.MULTILINE))
    assert set(fonctions) == {
        "IAE_PUBLICS",
        "IAE_EFFORT",
        "IAE_RESULTATS",
        "MODULATION",
        "MONTANT_SOCLE",
        "MONTANT_MODULE",
        "MODULATION_TABLEAU",
    }
    reserves = {"date", "type", "name", "string", "error", "end", "function", "sub", "property"}
    for arguments in fonctions.values():
        noms = {a.split()[-1].lower() for a in arguments.split(",")}
        assert not noms & reserves
    assert 'XLPy.CallUDF("iae_modulation.excel.udfs", "MODULATION_TABLEAU"' in vba
    assert "\r\n" in vba and "\n" not in vba.replace("\r\n", "")
