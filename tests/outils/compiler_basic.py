"""Compile des modules VBA avec le Basic de LibreOffice (lancé par tests/test_vba_libreoffice.py).

S'exécute avec un Python qui a le module `uno` (python3-uno), pas celui du projet :
    python3 compiler_basic.py modules.json
`modules.json` : {nom: {"source": texte, "classe": bool}}. Chaque module va dans une bibliothèque
à lui (une erreur de compilation rend toute sa bibliothèque inutilisable), avec une fonction
sonde qui rend 7 ; un module de classe reçoit la sonde dans un module standard voisin. La sortie
(JSON sur stdout) dit, par module, si la sonde a répondu : sinon le module ne compile pas.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue

SONDE = "\r\nPublic Function IAE_Sonde()\r\n    IAE_Sonde = 7\r\nEnd Function\r\n"


def propriete(nom, valeur):
    p = PropertyValue()
    p.Name, p.Value = nom, valeur
    return p


def connecter(tube):
    local = uno.getComponentContext()
    resolveur = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(300):
        try:
            return resolveur.resolve(f"uno:pipe,name={tube};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("LibreOffice ne répond pas")


def main():
    with open(sys.argv[1], encoding="utf-8") as entree:
        modules = json.load(entree)
    profil = tempfile.mkdtemp()
    tube = f"iae{os.getpid()}"
    soffice = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profil}",
            f"--accept=pipe,name={tube};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    contexte = connecter(tube)
    gestionnaire = contexte.ServiceManager
    bureau = gestionnaire.createInstanceWithContext("com.sun.star.frame.Desktop", contexte)
    try:
        bibliotheques = gestionnaire.createInstanceWithContext(
            "com.sun.star.script.ApplicationScriptLibraryContainer", contexte
        )
        fabrique = gestionnaire.createInstanceWithContext(
            "com.sun.star.script.provider.MasterScriptProviderFactory", contexte
        )
        fournisseur = fabrique.createScriptProvider("")
        resultats = {}
        for rang, (nom, module) in enumerate(modules.items()):
            bibliotheque = f"Essai{rang}"
            conteneur = bibliotheques.createLibrary(bibliotheque)
            entete = "Option VBASupport 1\r\n"
            if module["classe"]:
                conteneur.insertByName(nom, entete + "Option ClassModule\r\n" + module["source"])
                sonde = f"{nom}_Sonde"
                conteneur.insertByName(sonde, entete + SONDE)
            else:
                conteneur.insertByName(nom, entete + module["source"] + SONDE)
                sonde = nom
            bibliotheques.loadLibrary(bibliotheque)
            adresse = (
                f"vnd.sun.star.script:{bibliotheque}.{sonde}.IAE_Sonde"
                "?language=Basic&location=application"
            )
            try:
                reponse = fournisseur.getScript(adresse).invoke((), (), ())[0]
            except Exception as erreur:
                reponse = str(getattr(erreur, "Message", erreur)).splitlines()[0]
            resultats[nom] = "compilé" if reponse == 7 else f"non compilé ({reponse})"
        print(json.dumps(resultats, ensure_ascii=False))
    finally:
        # soffice peut fermer le pont UNO pendant l'appel (DisposedException) : il s'arrête,
        # c'est ce qui est demandé ; les résultats sont déjà écrits.
        with contextlib.suppress(Exception):
            bureau.terminate()
        soffice.wait(timeout=60)


main()
